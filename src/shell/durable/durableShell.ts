import { Deferred, Effect, Exit, Runtime } from "effect"
import { durableChanges, hasChanges, type DurableChanges } from "../../domain/raft/durable/durableChanges.ts"
import { recoveredState } from "../../domain/raft/durable/recoveredState.ts"
import { lastIndex } from "../../domain/raft/log/log.ts"
import type { Output } from "../../domain/raft/outputs.ts"
import type { ClusterConfig } from "../../domain/raft/state.ts"
import { step, type Input } from "../../domain/raft/step.ts"
import type { StorageIoError } from "../../services/storage/errors.ts"
import { Storage } from "../../services/storage/Storage.ts"
import type { ReplicaShell } from "../replicaShell.ts"
import { shellCore } from "../shellCore.ts"
import { shellEdge } from "../shellEdge.ts"
import { decodeRecovered, writeChanges } from "./storageCodec.ts"

/** A replica shell whose state outlives the process, and how it can end. */
export interface DurableShell extends ReplicaShell {
  /** Fails when a write to the store failed: the node can no longer promise anything, and stops. */
  readonly failed: Effect.Effect<never, StorageIoError>
}

const isAppend = (output: Output): boolean => output._tag === "Send" && output.message.type === "append"

/**
 * The shell of a cluster node: the harness shell's loop (shellCore.ts), with Raft's
 * persistent state kept in `Storage` under etcd's Ready contract. Every step's outputs (its
 * datagrams, its answers to clients, its log lines) leave only once what the step changed of
 * the term, the vote, the log and the snapshot is durable, and in the order of the steps.
 *
 * Steps go on while a write is in flight; their outputs wait behind it. When it lands, the
 * outputs it covered leave and everything that changed since is written as one batch, so a
 * burst of steps costs one write per store round trip (group commit above the store's own).
 * A step that changes nothing durable, with nothing waiting ahead of it, sends at once: the
 * harness shell's synchronous path, which a lease read or a heartbeat answer keeps.
 *
 * One exception, a leader's appends (Raft thesis §10.2.1): when a write adds only entries, the
 * appends it covers leave as it starts, so the followers write while the leader does, and a
 * put waits for one write, not two in a row. What keeps that safe is on the way back: a
 * follower's acknowledgement of an entry past the leader's own durable log is held here until
 * the leader's write lands, so the reducer never counts an entry toward a commit before the
 * leader has it on disk, and a committed entry is always durable on a majority. An entry the
 * leader loses in a crash was never committed, and a new leader may overwrite it, as Raft
 * allows for any uncommitted entry.
 *
 * It starts from what the store recovered (recoveredState.ts), a follower of its last term;
 * it sends no hello, which only the harness expects. It stops when its scope closes.
 */
export const makeDurableShell = (config: ClusterConfig) =>
  Effect.gen(function* () {
    const edge = yield* shellEdge
    const storage = yield* Storage
    const runCallback = Runtime.runCallback(yield* Effect.runtime<never>())
    const failure = yield* Deferred.make<never, StorageIoError>()
    const recovered = decodeRecovered(yield* storage.load)

    let writing = false
    /** Set when a write failed or the shell's scope closed: nothing more is stepped or sent. */
    let stopped = false
    // A write still in flight when the node is stopped must not release its outputs after it.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (stopped = true)))
    /** Outputs of the steps since `durable`, in order: they leave once the next write lands. */
    let waiting: Array<ReadonlyArray<Output>> = []
    /** Acknowledgements of entries past `landedIndex`, in arrival order, held until the log they acknowledge is durable here. */
    let held: Array<Input> = []

    /** Writes `changes` (from `durable` to the current state); the waiting outputs leave once they land. */
    const write = (changes: DurableChanges): void => {
      durable = core.state()
      const writtenThrough = lastIndex(durable.log)
      let covered = waiting
      waiting = []
      writing = true
      // Entries being replaced are not durable as what the log now holds at their index.
      if (changes.truncateFrom !== undefined) landedIndex = Math.min(landedIndex, changes.truncateFrom - 1)
      if (changes.hardState === undefined && changes.truncateFrom === undefined && changes.snapshot === undefined) {
        edge.perform(covered.flatMap((outputs) => outputs.filter(isAppend)))
        covered = covered.map((outputs) => outputs.filter((output) => !isAppend(output)))
      }
      runCallback(writeChanges(storage, changes), {
        onExit: (exit) => {
          writing = false
          if (stopped) return
          if (Exit.isFailure(exit)) {
            stopped = true
            edge.warn("storage-failed", "a write to the store failed; the node stops")
            Deferred.unsafeDone(failure, Exit.failCause(exit.cause))
            return
          }
          landedIndex = writtenThrough
          for (const outputs of covered) edge.perform(outputs)
          if (waiting.length > 0) write(durableChanges(durable, core.state()))
          releaseHeld()
        }
      })
    }

    /** A step's outputs leave at once if it changed nothing durable and nothing waits ahead of them, else behind a write. */
    const settle = (outputs: ReadonlyArray<Output>): void => {
      if (writing) {
        waiting.push(outputs)
        return
      }
      const changes = durableChanges(durable, core.state())
      if (!hasChanges(changes)) {
        durable = core.state()
        return edge.perform(outputs)
      }
      waiting.push(outputs)
      write(changes)
    }

    const core = yield* shellCore(edge, (now, random) => recoveredState(config, recovered, now, random), step, settle)
    /** The state whose persistent part is on disk, or being written. */
    let durable = core.state()
    /** The last index of the log as last written whole: every entry through it is on disk. */
    let landedIndex = lastIndex(durable.log)

    /** An acknowledgement the leader of this term may not count yet: it names an entry not durable here. */
    const mustWait = (input: Input): boolean => {
      if (input._tag !== "Message" || input.message.type !== "appended") return false
      const state = core.state()
      return input.message.success && state.role === "leader" && input.message.term === state.term && input.message.match > landedIndex
    }

    const advance = (input: Input): void => {
      if (stopped) return
      if (mustWait(input)) held.push(input)
      else core.advance(input)
    }

    /** Steps, in arrival order, every held acknowledgement that may now be counted (or that no longer concerns this leadership). */
    const releaseHeld = (): void => {
      if (held.length === 0) return
      const ready = held.filter((input) => !mustWait(input))
      held = held.filter(mustWait)
      for (const input of ready) advance(input)
    }

    const shell: DurableShell = {
      wakeAt: core.wakeAt,
      state: core.state,
      onDatagram: edge.decodingInto(advance),
      onTimeout: () => advance({ _tag: "Timeout" }),
      failed: Deferred.await(failure)
    }
    return shell
  })
