import { spawn } from "node:child_process"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { untilLeader } from "../../src/nemesis/nemesisRun.ts"
import { kvnodeClusterForTests } from "../support/kvnodeCluster.ts"

const { dir, start } = kvnodeClusterForTests("kvnode-lock-")

/** Runs the built kvnode to its end; its exit code and what it wrote to stderr. */
const runKvnode = (args: ReadonlyArray<string>): Promise<{ readonly code: number | null; readonly stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/kvnode.mjs", ...args], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.once("exit", (code) => resolve({ code, stderr }))
  })

describe("a kvnode started on a running node's data directory", () => {
  it("refuses to start, naming the process that holds it, and leaves that node's lock alone", async () => {
    const cluster = await start()
    await untilLeader(cluster)
    const holder = cluster.pidOf("0001")
    // 0002's ports are free once it is gone, so only the directory stands in the way.
    await cluster.kill("0002")
    const second = await runKvnode(["--id", "0002", "--cluster", cluster.clusterFile, "--data", path.join(dir, "0001")])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`${path.join(dir, "0001")} is in use by process ${holder}`)
    expect(second.stderr.trim().split("\n")).toHaveLength(1)
    const status = await fetch(new URL("/status", cluster.urlOf("0001")))
    expect(status.status).toBe(200)
  }, 90_000)
})
