import { Deferred, Effect, Either, Exit, Random, Runtime } from "effect"
import { RandomStream } from "../../domain/randomStream.ts"
import { durableChanges, hasChanges, type DurableChanges } from "../../domain/raft/durable/durableChanges.ts"
import { recoveredState } from "../../domain/raft/durable/recoveredState.ts"
import type { Output } from "../../domain/raft/outputs.ts"
import type { ClusterConfig } from "../../domain/raft/state.ts"
import { step, wakeAt, type Input } from "../../domain/raft/step.ts"
import { decodeDatagram, encodeMessage } from "../../domain/wire/decode.ts"
import { ReplicaLog } from "../../services/ReplicaLog.ts"
import type { StorageIoError } from "../../services/storage/errors.ts"
import { Storage } from "../../services/storage/Storage.ts"
import { Transport } from "../../services/Transport.ts"
import type { ReplicaShell } from "../replicaShell.ts"
import { decodeRecovered, writeChanges } from "./storageCodec.ts"

/** As the harness shell: a timeout that threw is tried again this much later, not at once. */
const RETRY_AFTER_THROW_MS = 10

/** A replica shell whose state outlives the process, and how it can end. */
export interface DurableShell extends ReplicaShell {
  /** Fails when a write to the store failed: the node can no longer promise anything, and stops. */
  readonly failed: Effect.Effect<never, StorageIoError>
}

/**
 * The shell of a cluster node: the harness shell's loop (replicaShell.ts), with Raft's
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
    const transport = yield* Transport
    const diagnostics = yield* ReplicaLog
    const storage = yield* Storage
    const clock = yield* Effect.clock
    const runtime = yield* Effect.runtime<never>()
    const runSync = Runtime.runSync(runtime)
    const runCallback = Runtime.runCallback(runtime)
    const now = () => clock.unsafeCurrentTimeMillis()
    const stream = new RandomStream(yield* Random.nextInt)
    const draw = (): number => stream.float()
    const failure = yield* Deferred.make<never, StorageIoError>()

    let state = recoveredState(config, decodeRecovered(yield* storage.load), now(), draw())
    /** The state whose persistent part is on disk, or being written. */
    let durable = state
    let wake = wakeAt(state)
    let writing = false
    /** Set when a write failed or the shell's scope closed: nothing more is stepped or sent. */
    let stopped = false
    // A write still in flight when the node is stopped must not release its outputs after it.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (stopped = true)))
    /** Outputs of the steps since `durable`, in order: they leave once the next write lands. */
    let waiting: Array<ReadonlyArray<Output>> = []

    const perform = (outputs: ReadonlyArray<Output>): void => {
      for (const output of outputs) {
        if (output._tag === "Send") transport.send(encodeMessage(output.message))
        else runSync(diagnostics.report(output.level, output.key, output.text))
      }
    }

    /** Writes `changes` (from `durable` to the current state); the waiting outputs leave once they land. */
    const write = (changes: DurableChanges): void => {
      durable = state
      const covered = waiting
      waiting = []
      writing = true
      runCallback(writeChanges(storage, changes), {
        onExit: (exit) => {
          writing = false
          if (stopped) return
          if (Exit.isFailure(exit)) {
            stopped = true
            runSync(diagnostics.report("warning", "storage-failed", "a write to the store failed; the node stops"))
            Deferred.unsafeDone(failure, Exit.failCause(exit.cause))
            return
          }
          for (const outputs of covered) perform(outputs)
          if (waiting.length > 0) write(durableChanges(durable, state))
        }
      })
    }

    const advance = (input: Input): void => {
      if (stopped) return
      const at = now()
      let result: ReturnType<typeof step>
      try {
        result = step(state, input, { now: at, random: draw() })
      } catch (error) {
        const kind = input._tag === "Timeout" ? "timeout" : input.message.type
        const text = error instanceof Error ? error.message : String(error)
        runSync(diagnostics.report("warning", `step-threw:${kind}`, `step threw on ${kind}, input dropped, state unchanged: ${text}`))
        if (input._tag === "Timeout") wake = Math.max(wake, at + RETRY_AFTER_THROW_MS)
        return
      }
      state = result.state
      wake = result.wakeAt
      if (writing) {
        waiting.push(result.outputs)
        return
      }
      const changes = durableChanges(durable, state)
      if (!hasChanges(changes)) {
        durable = state
        return perform(result.outputs)
      }
      waiting.push(result.outputs)
      write(changes)
    }

    const shell: DurableShell = {
      wakeAt: () => wake,
      state: () => state,
      onDatagram: (bytes) => {
        const decoded = decodeDatagram(bytes)
        if (Either.isRight(decoded)) return advance({ _tag: "Message", message: decoded.right })
        const { reason, detail } = decoded.left
        runSync(diagnostics.report("warning", `decode:${reason}`, `dropped a datagram: ${reason}: ${detail}`))
      },
      onTimeout: () => advance({ _tag: "Timeout" }),
      failed: Deferred.await(failure)
    }
    return shell
  })
