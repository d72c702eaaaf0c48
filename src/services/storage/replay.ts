import { CorruptRecord } from "./errors.ts"
import { readFrame } from "./frame.ts"
import { decodeRecord, type LogRecord } from "./logRecords.ts"
import type { SegmentFile } from "./segments.ts"
import { initialHardState, type HardState, type LogEntry } from "./Storage.ts"

/** The log as replayed from the segments, and what the writer needs to carry on from it. */
export interface Replayed {
  readonly hardState: HardState
  /** The entries after the snapshot, as `load` returns them. */
  readonly entries: ReadonlyArray<LogEntry>
  readonly lastIndex: number
  /** The entries replay knows, `base + 1` to `lastIndex`, and the segment each one is in. */
  readonly base: number
  readonly segmentOf: ReadonlyArray<number>
  /** Where the last segment's good records end; a torn tail after it is to be cut off. */
  readonly lastSegmentEnd: number
}

/**
 * Replays every record in order. Replay knows the entries from `base + 1` on; those at or
 * below `base` were in segments already removed, which compaction allows only once the
 * snapshot covers them, so in the end `base` must not pass the snapshot. A torn frame is
 * forgiven only as the last thing in the last segment: every earlier byte was fsynced
 * before any later write began, so damage there is damage, reported with file and offset.
 */
export const replay = (segments: ReadonlyArray<SegmentFile>, snapshotIndex: number): Replayed | CorruptRecord => {
  let hardState = initialHardState
  let base = 0
  let lastIndex = 0
  const entries: Array<LogEntry> = []
  const segmentOf: Array<number> = []
  let lastSegmentEnd = 0

  const cutAfter = (index: number) => {
    lastIndex = Math.min(lastIndex, index)
    base = Math.min(base, lastIndex)
    entries.length = lastIndex - base
    segmentOf.length = lastIndex - base
  }

  /** Applies one record; a reason when it cannot follow what came before. */
  const apply = (record: LogRecord, seq: number, first: boolean): string | undefined => {
    if (first !== (record._tag === "Header")) return first ? "a segment must open with a header" : "a second header"
    switch (record._tag) {
      case "Header":
        if (seq === segments[0]!.seq) {
          base = lastIndex = record.lastIndex
          hardState = record.hardState
          return undefined
        }
        if (record.lastIndex !== lastIndex) return `the header has the log end at ${record.lastIndex}, replay at ${lastIndex}`
        if (record.hardState.term !== hardState.term || record.hardState.votedFor !== hardState.votedFor) {
          return "the header's hard state differs from the one replayed"
        }
        return undefined
      case "HardState":
        hardState = record.hardState
        return undefined
      case "Truncate":
        cutAfter(record.from - 1)
        return undefined
      case "Entries": {
        const from = record.entries[0]!.index
        if (from > lastIndex + 1) {
          if (from - 1 > snapshotIndex) return `entries from ${from} follow a log that ends at ${lastIndex}`
          base = lastIndex = from - 1
          entries.length = segmentOf.length = 0
        }
        cutAfter(from - 1)
        for (const entry of record.entries) {
          entries.push(entry)
          segmentOf.push(seq)
        }
        lastIndex = from + record.entries.length - 1
        return undefined
      }
    }
  }

  for (const [k, segment] of segments.entries()) {
    const last = k === segments.length - 1
    const { bytes, path, seq } = segment
    let offset = 0
    while (offset < bytes.length) {
      const read = readFrame(bytes, offset)
      if (read._tag === "Bad") {
        if (last && read.torn) break
        return new CorruptRecord({ file: path, offset, reason: read.reason })
      }
      const record = decodeRecord(read.body)
      const refusal = typeof record === "string" ? record : apply(record, seq, offset === 0)
      if (refusal !== undefined) return new CorruptRecord({ file: path, offset, reason: refusal })
      offset = read.end
    }
    if (offset === 0 && !last) return new CorruptRecord({ file: path, offset, reason: "a segment without a header" })
    lastSegmentEnd = offset
  }

  if (lastIndex > snapshotIndex && base > snapshotIndex) {
    return new CorruptRecord({
      file: segments[0]!.path,
      offset: 0,
      reason: `entries ${snapshotIndex + 1} to ${base} are in neither a segment nor the snapshot`
    })
  }
  return {
    hardState,
    entries: entries.slice(Math.max(0, snapshotIndex - base)),
    lastIndex,
    base,
    segmentOf,
    lastSegmentEnd
  }
}
