import type { FileSystem } from "@effect/platform"
import { join } from "node:path"
import { Effect } from "effect"
import { CorruptRecord, type StorageIoError } from "./errors.ts"
import { type Directory, io } from "./io.ts"

/**
 * Segments are numbered in the order they were started, 1 upward, the number zero-padded in
 * the name so that names sort as numbers do. Only ever a contiguous run of numbers is on
 * disk: compaction removes the oldest, and a hole means a segment was lost.
 */
const SEGMENT_NAME = /^(\d{20})\.log$/

export const segmentName = (seq: number): string => `${String(seq).padStart(20, "0")}.log`

export interface SegmentFile {
  readonly seq: number
  readonly path: string
  readonly bytes: Uint8Array
}

export const readSegments = (
  fs: FileSystem.FileSystem,
  directory: Directory
): Effect.Effect<ReadonlyArray<SegmentFile>, StorageIoError | CorruptRecord> =>
  Effect.gen(function* () {
    const names = yield* io("list", directory.path)(fs.readDirectory(directory.path))
    const seqs = names.flatMap((name) => {
      const match = SEGMENT_NAME.exec(name)
      return match === null ? [] : [Number(match[1])]
    })
    seqs.sort((a, b) => a - b)
    const segments: Array<SegmentFile> = []
    for (const seq of seqs) {
      const path = join(directory.path, segmentName(seq))
      const previous = segments.at(-1)
      if (previous !== undefined && seq !== previous.seq + 1) {
        const missing = previous.seq + 1 === seq - 1 ? `segment ${seq - 1} is` : `segments ${previous.seq + 1} to ${seq - 1} are`
        return yield* new CorruptRecord({ file: path, offset: 0, reason: `${missing} missing` })
      }
      segments.push({ seq, path, bytes: yield* io("read", path)(fs.readFile(path)) })
    }
    return segments
  })
