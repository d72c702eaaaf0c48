import type { FileSystem } from "@effect/platform"
import { join } from "node:path"
import { type Cause, Deferred, Effect, Exit, Fiber, FiberId, Queue, Scope } from "effect"
import type { StorageIoError } from "./errors.ts"
import { frame } from "./frame.ts"
import { type Directory, io } from "./io.ts"
import { encodeRecord, type LogRecord } from "./logRecords.ts"
import type { Replayed } from "./replay.ts"
import { segmentName } from "./segments.ts"
import type { HardState, LogEntry } from "./Storage.ts"

/** A write to the log, checked against the log's shape before it was queued. */
export type LogWrite =
  | { readonly _tag: "Append"; readonly entries: ReadonlyArray<LogEntry> }
  | { readonly _tag: "Truncate"; readonly from: number }
  | { readonly _tag: "HardState"; readonly hardState: HardState }
  | { readonly _tag: "DropPrefix"; readonly through: number }

interface Queued {
  readonly write: LogWrite
  readonly done: Deferred.Deferred<void, StorageIoError>
}

interface OpenSegment {
  readonly seq: number
  readonly path: string
  readonly file: FileSystem.File
  readonly scope: Scope.CloseableScope
  size: number
}

export interface SegmentLog {
  /** Queues the write at once (so calls keep their order) and resolves once it is durable. */
  readonly submit: (write: LogWrite) => Effect.Effect<void, StorageIoError>
  /** Fails every later write with `cause`: after a failed write, the disk's state is unknown. */
  readonly breakWith: (cause: Cause.Cause<StorageIoError>) => void
  readonly broken: () => Cause.Cause<StorageIoError> | undefined
}

export interface SegmentLogConfig {
  readonly fs: FileSystem.FileSystem
  readonly directory: Directory
  /** A segment that has reached this size is closed and the next write starts a new one. */
  readonly segmentBytes: number
}

const openSegment = (
  config: SegmentLogConfig,
  seq: number,
  flag: "a" | "wx"
): Effect.Effect<OpenSegment, StorageIoError> =>
  Effect.gen(function* () {
    const path = join(config.directory.path, segmentName(seq))
    const scope = yield* Scope.make()
    return yield* Effect.gen(function* () {
      const file = yield* io("open", path)(config.fs.open(path, { flag })).pipe(Scope.extend(scope))
      const size = flag === "a" ? Number((yield* io("stat", path)(file.stat)).size) : 0
      return { seq, path, file, scope, size }
    }).pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
  })

/**
 * The log's writer: one fiber that takes every write queued since its last turn, frames them
 * into one buffer per segment, writes it, and fsyncs once for all of them (group commit):
 * concurrent callers share an fsync, and a new batch is written only after the last one's
 * fsync, so at most one write is ever unsynced and a crash tears only the log's tail.
 *
 * After the fsync, the oldest segments are removed while none of the entries the log still
 * needs is in them: those compaction (`DropPrefix`) emptied, and those that hold only hard
 * states and truncated entries. Replay can start at any segment, as each opens with a header.
 *
 * Starts from what recovery left: `segments` are the numbers on disk, the last one is the
 * one to append to, or none for a new store.
 */
export const startSegmentLog = (
  config: SegmentLogConfig,
  replayed: Replayed,
  segments: ReadonlyArray<number>
): Effect.Effect<SegmentLog, StorageIoError, Scope.Scope> =>
  Effect.gen(function* () {
    const onDisk = [...segments]
    let hardState = replayed.hardState
    let lastIndex = replayed.lastIndex
    /** The entries `base + 1` on and the segment each is in; the oldest needed segment holds the first. */
    let base = replayed.base
    let segmentOf = [...replayed.segmentOf]
    let droppedThrough = 0
    let broken: Cause.Cause<StorageIoError> | undefined

    const header = (): LogRecord => ({ _tag: "Header", lastIndex, hardState })
    const lastSeq = onDisk.at(-1)
    let active = yield* openSegment(config, lastSeq ?? 1, lastSeq === undefined ? "wx" : "a")
    yield* Effect.addFinalizer(() => Scope.close(active.scope, Exit.void))
    if (lastSeq === undefined) {
      const bytes = frame(encodeRecord(header()))
      yield* io("write", active.path)(active.file.writeAll(bytes))
      yield* io("fsync", active.path)(active.file.sync)
      yield* config.directory.sync
      active.size = bytes.length
      onDisk.push(active.seq)
    }

    /** Forgets where the entries after `index` are: a truncation, or an append that overwrites them. */
    const cutAfter = (index: number) => {
      segmentOf.length = Math.min(segmentOf.length, Math.max(0, index - base))
      base = Math.min(base, index)
    }

    /** The record for a write, after updating what the writer tracks. */
    const recordOf = (write: Exclude<LogWrite, { _tag: "DropPrefix" }>): LogRecord => {
      switch (write._tag) {
        case "HardState":
          hardState = write.hardState
          return { _tag: "HardState", hardState }
        case "Truncate":
          lastIndex = Math.min(lastIndex, write.from - 1)
          cutAfter(write.from - 1)
          return { _tag: "Truncate", from: write.from }
        case "Append": {
          const from = write.entries[0]!.index
          if (from > base + segmentOf.length + 1) {
            base = from - 1
            segmentOf = []
          }
          cutAfter(from - 1)
          for (let i = 0; i < write.entries.length; i++) segmentOf.push(active.seq)
          lastIndex = from + write.entries.length - 1
          return { _tag: "Entries", entries: write.entries }
        }
      }
    }

    const removeUnneeded = Effect.gen(function* () {
      if (droppedThrough > base) {
        segmentOf.splice(0, droppedThrough - base)
        base = droppedThrough
      }
      const needed = Math.min(segmentOf[0] ?? active.seq, active.seq)
      if (onDisk[0]! >= needed) return
      while (onDisk[0]! < needed) {
        const path = join(config.directory.path, segmentName(onDisk[0]!))
        yield* io("remove", path)(config.fs.remove(path))
        onDisk.shift()
      }
      yield* config.directory.sync
    })

    const commit = (batch: ReadonlyArray<Queued>) =>
      Effect.gen(function* () {
        let framed: Array<Uint8Array> = []
        let framedBytes = 0
        let unsynced = false
        let newSegment = false
        const push = (record: LogRecord) => {
          const bytes = frame(encodeRecord(record))
          framed.push(bytes)
          framedBytes += bytes.length
        }
        const flush = Effect.suspend(() => {
          if (framed.length === 0) return Effect.void
          const bytes = framed.length === 1 ? framed[0]! : Buffer.concat(framed)
          framed = []
          framedBytes = 0
          unsynced = true
          return Effect.map(io("write", active.path)(active.file.writeAll(bytes)), () => {
            active.size += bytes.length
          })
        })
        const sync = Effect.suspend(() => {
          if (!unsynced) return Effect.void
          unsynced = false
          return io("fsync", active.path)(active.file.sync)
        })

        for (const { write } of batch) {
          if (write._tag === "DropPrefix") {
            droppedThrough = Math.max(droppedThrough, write.through)
            continue
          }
          if (active.size + framedBytes >= config.segmentBytes) {
            yield* flush
            yield* sync
            const next = yield* openSegment(config, active.seq + 1, "wx")
            yield* Scope.close(active.scope, Exit.void)
            active = next
            onDisk.push(next.seq)
            newSegment = true
            push(header())
          }
          push(recordOf(write))
        }
        yield* flush
        yield* sync
        if (newSegment) yield* config.directory.sync
        yield* removeUnneeded
      })

    const queue = yield* Queue.unbounded<Queued>()
    const turn = Effect.flatMap(Queue.take(queue), (first) =>
      Effect.gen(function* () {
        const batch = [first, ...(yield* Queue.takeAll(queue))]
        const exit = broken === undefined ? yield* Effect.exit(commit(batch)) : Exit.failCause(broken)
        if (Exit.isFailure(exit)) broken = exit.cause
        for (const { done } of batch) Deferred.unsafeDone(done, exit)
      }).pipe(Effect.uninterruptible)
    )
    // A daemon, interrupted by hand when the scope closes, before the active segment is
    // closed: a batch in flight (uninterruptible) finishes first, so no write reaches a
    // closed descriptor. A fiber forked in the scope would be stopped only after the
    // segments opened since it started.
    const writer = yield* Effect.forkDaemon(Effect.forever(turn))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        yield* Fiber.interrupt(writer)
        for (const { done } of yield* Queue.takeAll(queue)) Deferred.unsafeDone(done, Exit.interrupt(FiberId.none))
        yield* Queue.shutdown(queue)
      })
    )

    return {
      submit: (write) =>
        Effect.suspend(() => {
          const done = Deferred.unsafeMake<void, StorageIoError>(FiberId.none)
          return Queue.unsafeOffer(queue, { write, done }) ? Deferred.await(done) : Effect.interrupt
        }),
      breakWith: (cause) => {
        broken ??= cause
      },
      broken: () => broken
    }
  })
