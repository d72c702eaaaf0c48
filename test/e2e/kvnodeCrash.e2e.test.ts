import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { leaderOf } from "../../src/nemesis/nemesisRun.ts"
import { NODE_IDS, NodeProcesses } from "../../src/nemesis/nodeProcesses.ts"

/**
 * The built `kvnode` as a user runs it: three processes on their own data directories, every
 * one of them killed with SIGKILL after puts were acknowledged, then started again. What was
 * acknowledged must all be read back, which only their disks can give them.
 */
const PUTS = 20
/** Start-up, an election and a lease on a loaded 2-core machine take seconds; this bounds a hang, not a speed. */
const PATIENCE_MS = 30_000

const dir = mkdtempSync(path.join(tmpdir(), "kvnode-crash-"))
let nodes: NodeProcesses | undefined
afterAll(async () => {
  await nodes?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** The leader's URL once one leads. */
const leaderUrl = async (cluster: NodeProcesses): Promise<string> => {
  const deadline = Date.now() + PATIENCE_MS
  while (Date.now() < deadline) {
    const leader = await leaderOf(cluster)
    if (leader !== undefined) return cluster.urlOf(leader)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no leader within ${PATIENCE_MS} ms`)
}

describe("kvnode processes killed with SIGKILL", () => {
  it("keep every acknowledged put across a crash of the whole cluster", async () => {
    const cluster = await NodeProcesses.start(dir, "dist/kvnode.mjs")
    nodes = cluster
    const leader = await leaderUrl(cluster)
    for (let i = 0; i < PUTS; i++) {
      const response = await fetch(new URL(`/kv/key${i}`, leader), {
        method: "PUT",
        body: `value${i}`,
        headers: { "Client-Id": "crash-test", "Client-Sequence": String(i + 1) }
      })
      expect(response.status).toBe(204)
    }

    await cluster.stop()
    for (const id of NODE_IDS) cluster.restart(id)
    const next = await leaderUrl(cluster)
    const values = await Promise.all(
      Array.from({ length: PUTS }, async (_, i) => {
        const response = await fetch(new URL(`/kv/key${i}`, next))
        return `${response.status} ${await response.text()}`
      })
    )
    expect(values).toEqual(Array.from({ length: PUTS }, (_, i) => `200 value${i}`))
  }, 2 * PATIENCE_MS + 20_000)
})
