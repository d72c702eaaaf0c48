import { describe, expect, it } from "vitest"
import { leaderOf } from "../../src/nemesis/nemesisRun.ts"
import { NODE_IDS } from "../../src/nemesis/nodeProcesses.ts"
import { kvnodeClusterForTests } from "../support/kvnodeCluster.ts"

/** An election, or a new one after a cut, on a loaded 2-core machine: this bounds a hang, not a speed. */
const PATIENCE_MS = 30_000

const { start } = kvnodeClusterForTests("fault-control-")

const eventually = async <A>(find: () => Promise<A | undefined>): Promise<A> => {
  const deadline = Date.now() + PATIENCE_MS
  while (Date.now() < deadline) {
    const found = await find()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`nothing within ${PATIENCE_MS} ms`)
}

describe("kvnode --fault-control", () => {
  it("cuts the links the file names: the others elect a leader without the isolated one", async () => {
    const started = await start()
    const first = await eventually(() => leaderOf(started))
    started.cut(NODE_IDS.filter((id) => id !== first).flatMap((id) => [[first, id] as const, [id, first] as const]))
    const next = await eventually(() => leaderOf(started, NODE_IDS.filter((id) => id !== first)))
    expect(next).not.toBe(first)
  }, 2 * PATIENCE_MS + 10_000)
})
