import { describe, expect, it } from "vitest"
import type { Unanswered } from "../../src/domain/harness/clients.ts"
import { type NodeId, replicaId } from "../../src/domain/ids.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import { classifyAvailability, type FaultTimeline } from "../../src/harness/liveness.ts"

const [A, B, C, D, E] = [0, 1, 2, 3, 4].map(replicaId) as [NodeId, NodeId, NodeId, NodeId, NodeId]
const quiet: FaultTimeline = {
  replicas: [A, B, C, D, E],
  requestsFromMs: 5000,
  requestsUntilMs: 35_000,
  endMs: 37_000,
  drops: 0,
  lateMs: 0,
  kills: [],
  partitions: [],
  cuts: [],
  pauses: []
}
/** A get sent `atMs` after the run began (the timeline's times are the run's). */
const unanswered = (to: NodeId, atMs: number): Unanswered => ({
  client: "0013" as NodeId,
  mid: `m${atMs}`,
  kind: "get",
  sentTo: to,
  sentAtMs: atMs - quiet.requestsFromMs,
  cause: "never-answered"
})
const classify = (timeline: Partial<FaultTimeline>, requests: ReadonlyArray<Unanswered>) =>
  classifyAvailability({ ...quiet, ...timeline }, requests, defaultTiming)

describe("liveness classification of runs that failed only harness checks", () => {
  it("calls a request unanswered by a live, connected majority a liveness failure", () => {
    expect(classify({}, [unanswered(A, 20_000)])).toMatchObject({ _tag: "LivenessFailure", members: [A, B, C, D, E], sinceMs: 0 })
    // One dead and one cut off, but the other three hear one another from the last fault on.
    const verdict = classify(
      { kills: [{ atMs: 6000, replica: D }], partitions: [{ atMs: 7000, majority: [A, B, C] }] },
      [unanswered(A, 20_000)]
    )
    expect(verdict).toMatchObject({ _tag: "LivenessFailure", members: [A, B, C], sinceMs: 7000 })
  })

  it("gives the majority an election timeout after the last fault to recover, and the request the longest hold before the end", () => {
    const healed = { partitions: [{ atMs: 6000, majority: [A, B, C] }, { atMs: 20_000, majority: undefined }], kills: [{ atMs: 6000, replica: E }] }
    expect(classify(healed, [unanswered(A, 8000)])._tag).toBe("Explained")
    expect(classify(healed, [unanswered(A, 23_000)])).toMatchObject({ _tag: "LivenessFailure", members: [A, B, C, D], sinceMs: 20_000 })
    const paused = { pauses: [{ replica: A, startMs: 10_000, endMs: 30_000 }, { replica: B, startMs: 10_000, endMs: 30_000 }, { replica: C, startMs: 10_000, endMs: 30_000 }] }
    expect(classify(paused, [unanswered(D, 30_000 + defaultTiming.electionMax - 1)])._tag).toBe("Explained")
    expect(classify(paused, [unanswered(D, 30_000 + defaultTiming.electionMax + 1)])._tag).toBe("LivenessFailure")
    expect(classify({}, [unanswered(D, quiet.endMs - defaultTiming.parkLimit + 1)])._tag).toBe("Explained")
    expect(classify({ lateMs: 4000 }, [unanswered(D, quiet.endMs - defaultTiming.parkLimit - 3000)])._tag).toBe("Explained")
  })

  it("does not blame the replicas for a request sent to one outside the majority", () => {
    const verdict = classify({ partitions: [{ atMs: 6000, majority: [A, B, C] }] }, [unanswered(E, 20_000)])
    expect(verdict).toEqual({ _tag: "Explained", cause: "faults before a healthy end" })
  })

  it("names the cause when no live, connected majority lasted to the end", () => {
    const kills = [C, D, E].map((replica, i) => ({ atMs: 10_000 + i, replica }))
    expect(classify({ kills }, [unanswered(A, 20_000)])).toEqual({ _tag: "Explained", cause: "majority dead" })
    // A one-way cut inside the majority side leaves no three that all reach one another.
    const cut = { from: [A], to: [B], startMs: 30_000, endMs: Number.POSITIVE_INFINITY }
    const split = { partitions: [{ atMs: 6000, majority: [A, B, C] }], cuts: [cut] }
    expect(classify(split, [unanswered(A, 32_500)])).toEqual({ _tag: "Explained", cause: "no live, connected majority at the end" })
    expect(classify({ ...split, cuts: [{ ...cut, from: [D], to: [E] }] }, [unanswered(A, 32_500)])._tag).toBe("LivenessFailure")
  })

  it("puts heavy drops and long outages before a healthy end apart", () => {
    expect(classify({ drops: 0.3 }, [unanswered(A, 20_000)])).toEqual({ _tag: "Explained", cause: "drops ≥ 30%" })
    expect(classify({ drops: 0.29 }, [unanswered(A, 20_000)])._tag).toBe("LivenessFailure")
    const outage = { pauses: [A, B, C].map((replica) => ({ replica, startMs: 5000, endMs: 25_000 })) }
    expect(classify(outage, [unanswered(A, 10_000)])).toEqual({ _tag: "Explained", cause: "no live, connected majority most of the time" })
    expect(classify({ pauses: [{ ...outage.pauses[0]!, endMs: 9000 }] }, [])).toEqual({ _tag: "Explained", cause: "faults before a healthy end" })
  })
})
