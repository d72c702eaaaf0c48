import { describe, expect, it } from "vitest"
import { untilLeader } from "../../src/nemesis/nemesisRun.ts"
import { NODE_IDS } from "../../src/nemesis/nodeProcesses.ts"
import { kvnodeClusterForTests } from "../support/kvnodeCluster.ts"

/**
 * The built `kvnode` as a user runs it: three processes on their own data directories, every
 * one of them killed with SIGKILL after puts were acknowledged, then started again. What was
 * acknowledged must all be read back, which only their disks can give them.
 */
const PUTS = 20
/** untilLeader's patience, twice, and the puts and reads: this bounds a hang, not a speed. */
const TEST_TIMEOUT_MS = 150_000

const { start } = kvnodeClusterForTests("kvnode-crash-")

describe("kvnode processes killed with SIGKILL", () => {
  it("keep every acknowledged put across a crash of the whole cluster", async () => {
    const cluster = await start()
    const leader = cluster.urlOf(await untilLeader(cluster))
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
    const next = cluster.urlOf(await untilLeader(cluster))
    const values = await Promise.all(
      Array.from({ length: PUTS }, async (_, i) => {
        const response = await fetch(new URL(`/kv/key${i}`, next))
        return `${response.status} ${await response.text()}`
      })
    )
    expect(values).toEqual(Array.from({ length: PUTS }, (_, i) => `200 value${i}`))
  }, TEST_TIMEOUT_MS)
})
