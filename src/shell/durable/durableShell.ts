import { Deferred, Effect, Exit, Runtime } from "effect"
import { durableChanges, hasChanges, type DurableChanges } from "../../domain/raft/durable/durableChanges.ts"
import { recoveredState } from "../../domain/raft/durable/recoveredState.ts"
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

    /** Writes `changes` (from `durable` to the current state); the waiting outputs leave once they land. */
    const write = (changes: DurableChanges): void => {
      durable = core.state()
      const covered = waiting
      waiting = []
      writing = true
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
          for (const outputs of covered) edge.perform(outputs)
          if (waiting.length > 0) write(durableChanges(durable, core.state()))
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
    const advance = (input: Input): void => {
      if (!stopped) core.advance(input)
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
