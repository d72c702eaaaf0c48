import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { replicaId } from "../../src/domain/ids.ts"
import { step } from "../../src/domain/raft/step.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import { makeReplicaShell } from "../../src/shell/replicaShell.ts"
import { ReplicaLog } from "../../src/services/ReplicaLog.ts"
import { Transport } from "../../src/services/Transport.ts"

const N0 = replicaId(0)
const peers = [1, 2, 3, 4].map(replicaId)
const encoder = new TextEncoder()
const datagram = (message: Record<string, unknown>) => encoder.encode(JSON.stringify(message))
/** A network that loses everything: these tests look only at the shell's own state. */
const nowhere = Layer.succeed(Transport, Transport.of({ send: () => {}, listen: () => Effect.void }))

describe("the replica's shell", () => {
  it("survives a reducer that throws: the input is dropped and logged, the state kept, the next input handled", () => {
    const reports: Array<{ key: string; text: string }> = []
    const log = Layer.succeed(
      ReplicaLog,
      ReplicaLog.of({ report: (_level, key, text) => Effect.sync(() => void reports.push({ key, text })) })
    )
    // Throws on every get, as a bug in one handler would; everything else is the real step.
    const faulty: typeof step = (state, input, context) => {
      if (input._tag === "Message" && input.message.type === "get") throw new Error("a bug in the get handler")
      return step(state, input, context)
    }
    const shell = Effect.runSync(
      makeReplicaShell({ self: N0, peers, timing: defaultTiming }, faulty).pipe(Effect.provide(Layer.merge(nowhere, log)))
    )
    const before = shell.state()
    expect(() => shell.onDatagram(datagram({ src: "0015", dst: N0, leader: "FFFF", type: "get", MID: "g1", key: "k" }))).not.toThrow()
    expect(shell.state()).toBe(before)
    expect(reports).toEqual([{ key: "step-threw:get", text: "step threw on get, input dropped, state unchanged: a bug in the get handler" }])
    // A vote request from a peer still moves the state: the shell is alive.
    shell.onDatagram(datagram({ src: peers[0], dst: N0, leader: "FFFF", type: "vote", term: 1, lastIndex: 0, lastTerm: 0, pre: false }))
    expect(shell.state().term).toBe(1)
    expect(shell.state().votedFor).toBe(peers[0])
  })

  it("retries a timeout whose step threw after a pause, instead of at once", () => {
    const faulty: typeof step = (state, input, context) => {
      if (input._tag === "Timeout") throw new Error("a bug on the timer")
      return step(state, input, context)
    }
    // An election deadline of "now": the timeout is due at once.
    const timing = { ...defaultTiming, electionMin: 0, electionMax: 0 }
    const shell = Effect.runSync(
      makeReplicaShell({ self: N0, peers, timing }, faulty).pipe(
        Effect.provide(Layer.merge(nowhere, Layer.succeed(ReplicaLog, ReplicaLog.of({ report: () => Effect.void }))))
      )
    )
    const due = shell.wakeAt()
    shell.onTimeout()
    // Still due (the state did not move), but not before a pause of its own.
    expect(shell.wakeAt()).toBeGreaterThanOrEqual(due + 10)
  })
})
