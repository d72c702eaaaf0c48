import { Effect, Either, Random, Runtime } from "effect"
import { BROADCAST } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"
import { initialState, type ClusterConfig, type RaftState } from "../domain/raft/state.ts"
import { step, wakeAt, type Input } from "../domain/raft/step.ts"
import type { Output } from "../domain/raft/outputs.ts"
import { decodeDatagram, encodeMessage } from "../domain/wire/decode.ts"
import { Alarm } from "../services/Alarm.ts"
import { ReplicaLog } from "../services/ReplicaLog.ts"
import { Transport } from "../services/Transport.ts"

/**
 * One replica's imperative shell: holds the current state, feeds it one input at a time,
 * and performs what the reducer returns. The serve loop below and kvsim's virtual mode both
 * drive replicas through this, so the simulator runs the same code the harness does.
 *
 * Its two entry points are plain synchronous functions, not Effects: the services are resolved
 * once, when the shell is built, and a datagram is answered without building or running a
 * fiber. One Effect per datagram took about half of the replica's loopback round trip
 * (docs/performance/latency.md).
 */
export interface ReplicaShell {
  /** When the shell next needs `onTimeout` (ms on the Clock; +∞ when nothing is scheduled). */
  readonly wakeAt: () => number
  readonly state: () => RaftState
  /** A datagram arrived: decode it once, here at the edge; what fails to decode is logged and dropped. */
  readonly onDatagram: (bytes: Uint8Array) => void
  readonly onTimeout: () => void
}

/**
 * After a step that threw on a timeout, how long the shell waits before trying the timeout
 * again: the state did not move, so its deadline is still due, and retrying at once would spin.
 */
const RETRY_AFTER_THROW_MS = 10

const inputKind = (input: Input): string => (input._tag === "Timeout" ? "timeout" : input.message.type)

/**
 * `reducer` is `step` in every wiring; a test hands in one that throws, to show the shell
 * survives it.
 */
export const makeReplicaShell = (config: ClusterConfig, reducer: typeof step = step) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const diagnostics = yield* ReplicaLog
    const clock = yield* Effect.clock
    const runSync = Runtime.runSync(yield* Effect.runtime<never>())
    // Milliseconds straight from the Clock, with their fraction (PreciseClock.ts; virtual time in
    // the simulator). A round trip through nanoseconds would lose the last bits of a deadline
    // and leave a replica waking, forever, a hair before it.
    const now = () => clock.unsafeCurrentTimeMillis()
    // Election jitter from a generator seeded once by Effect's Random: seeded Random, same run.
    const stream = new RandomStream(yield* Random.nextInt)
    const draw = (): number => stream.float()

    let state = initialState(config, now(), draw())
    let wake = wakeAt(state)
    const perform = (outputs: ReadonlyArray<Output>): void => {
      for (const output of outputs) {
        if (output._tag === "Send") transport.send(encodeMessage(output.message))
        else runSync(diagnostics.report(output.level, output.key, output.text))
      }
    }
    // A bug in the reducer must not take the replica down: the input is dropped, the state kept
    // as it was, and the failure logged (rate-limited per kind of input, as every report).
    const advance = (input: Input): void => {
      const at = now()
      let result: ReturnType<typeof step>
      try {
        result = reducer(state, input, { now: at, random: draw() })
      } catch (error) {
        const kind = inputKind(input)
        const text = error instanceof Error ? error.message : String(error)
        runSync(diagnostics.report("warning", `step-threw:${kind}`, `step threw on ${kind}, input dropped, state unchanged: ${text}`))
        if (input._tag === "Timeout") wake = Math.max(wake, at + RETRY_AFTER_THROW_MS)
        return
      }
      state = result.state
      wake = result.wakeAt
      perform(result.outputs)
    }

    transport.send(JSON.stringify({ src: config.self, dst: BROADCAST, leader: BROADCAST, type: "hello" }))
    const shell: ReplicaShell = {
      wakeAt: () => wake,
      state: () => state,
      onDatagram: (bytes) => {
        const decoded = decodeDatagram(bytes)
        if (Either.isRight(decoded)) return advance({ _tag: "Message", message: decoded.right })
        const { reason, detail } = decoded.left
        runSync(diagnostics.report("warning", `decode:${reason}`, `dropped a datagram: ${reason}: ${detail}`))
      },
      onTimeout: () => advance({ _tag: "Timeout" })
    }
    return shell
  })

/** The replica program: datagrams answered as they arrive, one alarm for the next deadline. */
export const runReplica = (config: ClusterConfig) => Effect.flatMap(makeReplicaShell(config), serve)

/**
 * Feeds a shell every datagram, inside the transport's callback (a reply leaves before the
 * callback returns), and a timeout whenever its wake-up time comes, by the Alarm (Node's timer
 * in production, the simulation kernel's in the cluster tests). A datagram that brings the
 * deadline forward resets the alarm; one that pushes it back lets it ring early and be set
 * again.
 */
export const serve = (shell: ReplicaShell) =>
  Effect.scoped(
    Effect.gen(function* () {
      const alarm = yield* Alarm
      const clock = yield* Effect.clock
      let armedAt = Number.POSITIVE_INFINITY

      const ring = (): void => {
        armedAt = Number.POSITIVE_INFINITY
        if (clock.unsafeCurrentTimeMillis() >= shell.wakeAt()) shell.onTimeout()
        arm()
      }
      const arm = (): void => {
        const at = shell.wakeAt()
        if (armedAt <= at) return
        armedAt = at
        alarm.set(at, ring)
      }

      yield* (yield* Transport).listen((datagram) => {
        shell.onDatagram(datagram)
        arm()
      })
      arm()
      return yield* Effect.never
    })
  )
