import { Effect } from "effect"
import { BROADCAST } from "../domain/ids.ts"
import { initialState, type ClusterConfig, type RaftState } from "../domain/raft/state.ts"
import { step } from "../domain/raft/step.ts"
import { Alarm } from "../services/Alarm.ts"
import { Transport } from "../services/Transport.ts"
import { shellCore } from "./shellCore.ts"
import { shellEdge } from "./shellEdge.ts"

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
 * `reducer` is `step` in every wiring; a test hands in one that throws, to show the shell
 * survives it.
 */
export const makeReplicaShell = (config: ClusterConfig, reducer: typeof step = step) =>
  Effect.gen(function* () {
    const transport = yield* Transport
    const edge = yield* shellEdge
    const core = yield* shellCore(edge, (now, random) => initialState(config, now, random), reducer, edge.perform)
    transport.send(JSON.stringify({ src: config.self, dst: BROADCAST, leader: BROADCAST, type: "hello" }))
    const shell: ReplicaShell = {
      wakeAt: core.wakeAt,
      state: core.state,
      onDatagram: edge.decodingInto(core.advance),
      onTimeout: () => core.advance({ _tag: "Timeout" })
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
