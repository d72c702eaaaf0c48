import { Clock, Effect, Either, Option, Random } from "effect"
import { BROADCAST } from "../../domain/ids.ts"
import { initialState, type ClusterConfig, type RaftState } from "../../domain/raft/state.ts"
import { step, wakeAt, type Input } from "../../domain/raft/step.ts"
import type { Output } from "../../domain/raft/outputs.ts"
import { decodeDatagram, encodeMessage } from "../../domain/wire/decode.ts"
import { ReplicaLog } from "../../services/ReplicaLog.ts"
import { Transport } from "../../services/Transport.ts"

/**
 * Milliseconds, read straight from the Clock: whole in production (timers are millisecond-grained
 * anyway), exact in the simulator. A round trip through nanoseconds would lose the last bits of
 * a deadline and leave a replica waking, forever, a hair before it.
 */
const nowMs = Clock.currentTimeMillis

const perform = (outputs: ReadonlyArray<Output>) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const diagnostics = yield* ReplicaLog
    for (const output of outputs) {
      if (output._tag === "Send") yield* transport.send(encodeMessage(output.message))
      else yield* diagnostics.report(output.level, output.key, output.text)
    }
  })

/**
 * One replica's imperative shell: holds the current state, feeds it one input at a time,
 * and performs what the reducer returns. The loop below and kvsim's virtual mode both drive
 * replicas through this, so the simulator runs the same code the harness does.
 */
export interface ReplicaShell {
  readonly wakeAt: () => number
  readonly state: () => RaftState
  /** A datagram arrived: decode it once, here at the edge; what fails to decode is logged and dropped. */
  readonly onDatagram: (bytes: Uint8Array) => Effect.Effect<void, never, Transport | ReplicaLog>
  readonly onTimeout: Effect.Effect<void, never, Transport | ReplicaLog>
}

export const makeReplicaShell = (config: ClusterConfig) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    let state = initialState(config, yield* nowMs, yield* Random.next)
    let wake = wakeAt(state)
    yield* transport.send(JSON.stringify({ src: config.self, dst: BROADCAST, leader: BROADCAST, type: "hello" }))

    const advance = (input: Input) =>
      Effect.gen(function* () {
        const result = step(state, input, { now: yield* nowMs, random: yield* Random.next })
        state = result.state
        wake = result.wakeAt
        yield* perform(result.outputs)
      })

    const shell: ReplicaShell = {
      wakeAt: () => wake,
      state: () => state,
      onDatagram: (bytes) =>
        Either.match(decodeDatagram(bytes), {
          onLeft: (error) =>
            Effect.flatMap(ReplicaLog, (log) => log.report("warning", `decode:${error.reason}`, `dropped a datagram: ${error.reason}: ${error.detail}`)),
          onRight: (message) => advance({ _tag: "Message", message })
        }),
      onTimeout: advance({ _tag: "Timeout" })
    }
    return shell
  })

/** The replica program: one fiber, one merged input stream of datagrams and timer expiries. */
export const runReplica = (config: ClusterConfig) => Effect.flatMap(makeReplicaShell(config), serve)

/** Feeds a shell whatever comes first, the next datagram or its wake-up time, forever. */
export const serve = (shell: ReplicaShell) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    while (true) {
      // Whole milliseconds, rounded up: timers are millisecond-grained, and waking a hair
      // before the deadline would only find nothing to do.
      const wait = Math.max(0, Math.ceil(shell.wakeAt() - (yield* nowMs)))
      const next = yield* transport.receive(wait)
      yield* Option.match(next, { onNone: () => shell.onTimeout, onSome: shell.onDatagram })
    }
  })
