import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { readFileSync } from "node:fs"
import { loadConfig } from "../../src/domain/harness/config.ts"
import { type NodeId, replicaId } from "../../src/domain/ids.ts"
import type { ClusterConfig } from "../../src/domain/raft/state.ts"
import { simulate } from "../../src/harness/virtual.ts"
import { makeReplicaShell } from "../../src/shell/replicaShell.ts"

const config = Either.getOrThrow(loadConfig(readFileSync("configs/simple-1.json", "utf8")))
const PAUSED = replicaId(1)

interface Call {
  readonly kind: "datagram" | "timeout"
  /** The replica's own clock when it was called, and the deadline it had asked for. */
  readonly localMs: number
  readonly wakeAt: number
}

/** Our shell, recording every call into the `watched` replicas with its own clock's reading. */
const recorded = (watched: ReadonlyArray<NodeId>, calls: Array<Call>) => (cluster: ClusterConfig) =>
  Effect.gen(function* () {
    const shell = yield* makeReplicaShell(cluster)
    const clock = yield* Effect.clock
    if (!watched.includes(cluster.self)) return shell
    const record = (kind: Call["kind"]) => calls.push({ kind, localMs: clock.unsafeCurrentTimeMillis(), wakeAt: shell.wakeAt() })
    return {
      ...shell,
      onDatagram: (bytes: Uint8Array) => {
        record("datagram")
        shell.onDatagram(bytes)
      },
      onTimeout: () => {
        record("timeout")
        shell.onTimeout()
      }
    }
  })

describe("time faults in virtual mode", () => {
  it("a paused replica handles nothing until it resumes, then reads its queue and finds its timer overdue", () => {
    const calls: Array<Call> = []
    const paused: Array<NodeId> = []
    const run = simulate(config, {
      seed: 5,
      name: "pause",
      time: { rates: [], pauses: [{ replica: PAUSED, startMs: 10_000, endMs: 13_000 }] },
      onPause: (replica) => paused.push(replica),
      replica: recorded([PAUSED], calls)
    })
    expect(paused).toEqual([PAUSED])
    expect(calls.filter((call) => call.localMs > 10_000 && call.localMs < 13_000)).toEqual([])
    const atResume = calls.filter((call) => call.localMs === 13_000)
    // Three seconds of a leader's heartbeats and the clients' traffic waited for it.
    expect(atResume.filter((call) => call.kind === "datagram").length).toBeGreaterThan(3)
    expect(atResume.at(-1)?.kind === "timeout" || atResume.every((call) => call.kind === "datagram")).toBe(true)
    expect(run.linearizability._tag).toBe("Linearizable")
  })

  it("a pause of the leader strikes whichever replica leads when it begins", () => {
    const paused: Array<NodeId> = []
    let leaderAt9s: NodeId | undefined
    simulate(config, {
      seed: 5,
      name: "pause-leader",
      time: { rates: [], pauses: [{ replica: "leader", startMs: 9_000, endMs: 12_000 }] },
      onPause: (replica) => paused.push(replica),
      observe: (now, states) => {
        if (now < 9_000) leaderAt9s = [...states].find(([, state]) => state.role === "leader")?.[0]
      }
    })
    expect(leaderAt9s).toBeDefined()
    expect(paused).toEqual([leaderAt9s])
  })

  it("a drifting replica reads its own clock, and its timers fire when its clock reaches their deadline", () => {
    const calls: Array<Call> = []
    let kernelMs = 0
    const run = simulate(config, {
      seed: 5,
      name: "drift",
      time: { rates: [1.05, 1.05, 1.05, 1.05, 1.05], pauses: [] },
      replica: recorded([0, 1, 2, 3, 4].map(replicaId), calls),
      observe: (now) => (kernelMs = now)
    })
    const timeouts = calls.filter((call) => call.kind === "timeout")
    expect(timeouts.length).toBeGreaterThan(50)
    for (const call of timeouts) expect(call.localMs).toBeGreaterThanOrEqual(call.wakeAt)
    // Woken by its own deadline, not a kernel-time one 5% later: most timeouts come right on it.
    expect(timeouts.filter((call) => call.localMs - call.wakeAt < 0.01).length).toBeGreaterThan(timeouts.length / 2)
    expect(calls.at(-1)!.localMs / kernelMs).toBeCloseTo(1.05, 2)
    expect(run.linearizability._tag).toBe("Linearizable")
  })
})
