import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll } from "vitest"
import { NodeProcesses } from "../../src/nemesis/nodeProcesses.ts"

/**
 * Three built `kvnode` processes for an e2e test file, in a temporary directory of their own
 * (`dir`), started by `start` and stopped, with the directory removed, after the file's tests.
 */
export const kvnodeClusterForTests = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  let nodes: NodeProcesses | undefined
  afterAll(async () => {
    await nodes?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async (): Promise<NodeProcesses> => {
    nodes = await NodeProcesses.start(dir, "dist/kvnode.mjs")
    return nodes
  }
  return { dir, start }
}
