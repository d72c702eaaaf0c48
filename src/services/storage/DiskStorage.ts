import { FileSystem } from "@effect/platform"
import { Effect, Exit, Layer } from "effect"
import type { OpenError } from "./errors.ts"
import { lockDirectory } from "./directoryLock.ts"
import { openDirectory } from "./io.ts"
import { recover } from "./diskRecovery.ts"
import {
  appendRefusal,
  checked,
  dropRefusal,
  hardStateRefusal,
  snapshotRefusal,
  truncateRefusal
} from "./rules.ts"
import { startSegmentLog } from "./segmentLog.ts"
import { writeSnapshot } from "./snapshotFile.ts"
import { Storage } from "./Storage.ts"

export interface DiskStorageOptions {
  /** Created if missing; holds the segments and the snapshot, and nothing else should write there. */
  readonly directory: string
  /** When a segment is closed and the next begun; compaction gives space back a segment at a time. */
  readonly segmentBytes?: number
}

/**
 * Large enough that starting a segment (one more fsync, of the directory) is rare, small
 * enough that compaction frees space in steps much smaller than the log.
 */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024

/**
 * The store on disk: an append-only log in segment files and a snapshot file, in one
 * directory (docs/storage.md has the format). Building the layer takes the directory's lock
 * (directoryLock.ts), failing with `DirectoryLocked` while another running process holds it,
 * then recovers: it fails with `CorruptRecord` on damage that is not a torn tail, and cuts a
 * torn tail off.
 */
export const DiskStorage = (options: DiskStorageOptions): Layer.Layer<Storage, OpenError, FileSystem.FileSystem> =>
  Layer.scoped(
    Storage,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const directory = yield* openDirectory(fs, options.directory)
      yield* lockDirectory(fs, directory)
      const { snapshot, replayed, segments } = yield* recover(fs, directory)
      const log = yield* startSegmentLog(
        { fs, directory, segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES },
        replayed,
        segments
      )
      const shape = { lastIndex: replayed.lastIndex, snapshotIndex: snapshot?.lastIncludedIndex ?? 0 }
      const recovered = { hardState: replayed.hardState, snapshot, entries: replayed.entries }
      const saving = yield* Effect.makeSemaphore(1)

      return Storage.of({
        load: Effect.succeed(recovered),
        saveHardState: (hardState) =>
          checked(
            () => hardStateRefusal(hardState),
            () => log.submit({ _tag: "HardState", hardState })
          ),
        append: (entries) =>
          checked(
            () => appendRefusal(entries, shape),
            () => {
              const last = entries.at(-1)
              if (last === undefined) return Effect.void
              shape.lastIndex = last.index
              return log.submit({ _tag: "Append", entries })
            }
          ),
        truncateFrom: (from) =>
          checked(
            () => truncateRefusal(from, shape),
            () => {
              shape.lastIndex = Math.min(shape.lastIndex, from - 1)
              return log.submit({ _tag: "Truncate", from })
            }
          ),
        dropPrefix: (through) =>
          checked(
            () => dropRefusal(through, shape),
            () => log.submit({ _tag: "DropPrefix", through })
          ),
        saveSnapshot: (snapshot) =>
          saving.withPermits(1)(
            checked(
              () => snapshotRefusal(snapshot, shape),
              () =>
                Effect.suspend(() => {
                  const broken = log.broken()
                  return broken === undefined ? writeSnapshot(fs, directory, snapshot) : Effect.failCause(broken)
                }).pipe(
                  Effect.onExit((exit) =>
                    Effect.sync(() => {
                      if (Exit.isFailure(exit)) log.breakWith(exit.cause)
                      else shape.snapshotIndex = snapshot.lastIncludedIndex
                    })
                  ),
                  Effect.uninterruptible
                )
            )
          )
      })
    })
  )
