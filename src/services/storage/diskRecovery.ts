import type { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { CorruptRecord, type StorageIoError } from "./errors.ts"
import { type Directory, io } from "./io.ts"
import { replay, type Replayed } from "./replay.ts"
import { readSegments } from "./segments.ts"
import { readSnapshot } from "./snapshotFile.ts"
import type { Snapshot } from "./Storage.ts"

export interface Recovery {
  readonly snapshot: Snapshot | undefined
  readonly replayed: Replayed
  /** The segment numbers left on disk, in order; the last one is where appends go. */
  readonly segments: ReadonlyArray<number>
}

/**
 * Reads the snapshot and replays the segments, then cuts off a torn tail so that the next
 * write follows the last good record (left in place, it would be damage in the middle once
 * more records follow it). A last segment left with nothing good in it, not even its header
 * (the crash came as it was started), is removed.
 */
export const recover = (
  fs: FileSystem.FileSystem,
  directory: Directory
): Effect.Effect<Recovery, StorageIoError | CorruptRecord> =>
  Effect.gen(function* () {
    const snapshot = yield* readSnapshot(fs, directory)
    const files = yield* readSegments(fs, directory)
    const replayed = replay(files, snapshot?.lastIncludedIndex ?? 0)
    if (replayed instanceof CorruptRecord) return yield* replayed
    const segments = files.map((file) => file.seq)
    const last = files.at(-1)
    if (last !== undefined && replayed.lastSegmentEnd === 0) {
      yield* io("remove", last.path)(fs.remove(last.path))
      yield* directory.sync
      segments.pop()
    } else if (last !== undefined && replayed.lastSegmentEnd < last.bytes.length) {
      yield* Effect.scoped(
        Effect.gen(function* () {
          const file = yield* io("open", last.path)(fs.open(last.path, { flag: "r+" }))
          yield* io("truncate", last.path)(file.truncate(replayed.lastSegmentEnd))
          yield* io("fsync", last.path)(file.sync)
        })
      )
    }
    return { snapshot, replayed, segments }
  })
