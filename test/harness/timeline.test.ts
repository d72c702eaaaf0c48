import { describe, expect, it } from "@effect/vitest"
import { timeline } from "../../src/domain/harness/timeline.ts"
import type { Operation } from "../../src/domain/history/operation.ts"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"

const op = (id: number, invokedAt: number, respondedAt?: number): Operation => ({
  id,
  client: "0015",
  key: "k",
  kind: "get",
  invokedAt,
  outcome: respondedAt === undefined ? { _tag: "Unknown" } : { _tag: "Ok", respondedAt, value: "" }
})

describe("the per-minute timeline", () => {
  // Requests from 5 s to 125 s, the run ends at 130 s: two windows, the second running on to the end.
  const phases = { requestsFromMs: 5_000, requestsToMs: 125_000, endMs: 130_000 }

  it("counts operations by the window they started in, and latency by the window they were answered in", () => {
    const windows = timeline(
      [op(0, 5_000, 5_002), op(1, 30_000, 30_004), op(2, 64_999, 65_010), op(3, 70_000), op(4, 124_000, 128_000)],
      [],
      phases,
      60_000
    )
    expect(windows.map((w) => [w.fromMs, w.toMs, w.invoked, w.unanswered, w.answered])).toEqual([
      [5_000, 65_000, 3, 0, 2],
      [65_000, 130_000, 2, 1, 2]
    ])
    // Samples of 2 and 4 ms: the reference's median of an even count is the upper middle one.
    expect(windows[0]?.latency?.medianMs).toBe(4)
    expect(windows[1]?.latency?.p99Ms).toBe(4_000)
  })

  it("has one window for a run shorter than a window, and no latency where nothing was answered", () => {
    const windows = timeline([op(0, 6_000)], [], { requestsFromMs: 5_000, requestsToMs: 35_000, endMs: 37_000 }, 60_000)
    expect(windows).toEqual([{ fromMs: 5_000, toMs: 37_000, invoked: 1, unanswered: 1, answered: 0, newKeys: 0, latency: undefined, leaders: [] }])
  })

  it("counts each key once, in the window where the first put to it started", () => {
    const put = (id: number, key: string, invokedAt: number): Operation => ({ ...op(id, invokedAt, invokedAt + 1), kind: "put", key, value: "v" })
    const history = [put(0, "a", 6_000), put(1, "a", 7_000), { ...op(2, 8_000, 8_001), key: "b" }, put(3, "b", 70_000), put(4, "a", 71_000), put(5, "c", 72_000)]
    expect(timeline(history, [], phases, 60_000).map((w) => w.newKeys)).toEqual([1, 2])
  })

  it("names every leader the harness believed in during each window, the one it started with included", () => {
    const changes = [
      { at: 1_000, leader: "0002" },
      { at: 70_000, leader: BROADCAST },
      { at: 72_000, leader: "0003" },
      { at: 90_000, leader: "0002" }
    ].map(({ at, leader }) => ({ at, leader: leader as NodeId }))
    expect(timeline([], changes, phases, 60_000).map((w) => w.leaders)).toEqual([["0002"], ["0002", "0003", "0002"]])
  })
})
