import { Effect } from "effect"
import { StorageMisuse } from "./errors.ts"
import { MAX_BODY_BYTES } from "./frame.ts"
import type { HardState, LogEntry, Snapshot } from "./Storage.ts"

/**
 * The shape every layer keeps, checked when a write is called (before it is queued), so the
 * layers refuse the same calls and a queued write is always one the disk layer can record.
 * `lastIndex` is the last entry written so far, `snapshotIndex` the durable snapshot's.
 */
export interface Shape {
  readonly lastIndex: number
  readonly snapshotIndex: number
}

/** Where the next append must start: after the log, or after the snapshot when it reaches further. */
export const nextIndex = (shape: Shape): number => Math.max(shape.lastIndex, shape.snapshotIndex) + 1

/** The longest a `votedFor` may be in UTF-8 bytes: its length is stored in two bytes. */
const MAX_VOTED_FOR_BYTES = 0xffff

/** The most one call may write (payloads and their per-entry fields), so its record fits a frame with room to spare. */
const MAX_WRITE_BYTES = MAX_BODY_BYTES / 2

const isIndex = (n: number) => Number.isSafeInteger(n) && n >= 1
const isTerm = (n: number) => Number.isSafeInteger(n) && n >= 0

export const appendRefusal = (entries: ReadonlyArray<LogEntry>, shape: Shape): string | undefined => {
  const next = nextIndex(shape)
  let bytes = 0
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    if (entry.index !== next + i) return `append: entry ${i} has index ${entry.index}, expected ${next + i}`
    if (!isTerm(entry.term)) return `append: entry ${entry.index} has term ${entry.term}`
    bytes += 12 + entry.payload.length
  }
  return bytes > MAX_WRITE_BYTES ? `append: ${bytes} bytes in one call, at most ${MAX_WRITE_BYTES}` : undefined
}

export const truncateRefusal = (from: number, shape: Shape): string | undefined =>
  !isIndex(from) || from <= shape.snapshotIndex
    ? `truncateFrom(${from}): the snapshot covers up to ${shape.snapshotIndex}`
    : undefined

export const dropRefusal = (through: number, shape: Shape): string | undefined =>
  !Number.isSafeInteger(through) || through > shape.snapshotIndex
    ? `dropPrefix(${through}): the durable snapshot covers only up to ${shape.snapshotIndex}`
    : undefined

export const snapshotRefusal = (snapshot: Snapshot, shape: Shape): string | undefined =>
  !Number.isSafeInteger(snapshot.lastIncludedIndex) ||
  snapshot.lastIncludedIndex < shape.snapshotIndex ||
  !isTerm(snapshot.lastIncludedTerm) ||
  snapshot.data.length > MAX_WRITE_BYTES
    ? `saveSnapshot: index ${snapshot.lastIncludedIndex} (term ${snapshot.lastIncludedTerm}, ${snapshot.data.length} bytes) is behind the snapshot at ${shape.snapshotIndex} or malformed`
    : undefined

export const hardStateRefusal = (hardState: HardState): string | undefined =>
  !isTerm(hardState.term) ||
  (hardState.votedFor !== undefined && Buffer.byteLength(hardState.votedFor, "utf8") > MAX_VOTED_FOR_BYTES)
    ? `saveHardState: term ${hardState.term} or votedFor is malformed`
    : undefined

/**
 * Checks a call against the shape when it runs, then writes: both in one synchronous step, so
 * no other call can change the shape between the check and the queueing. A misuse dies.
 */
export const checked = <A, E>(refusal: () => string | undefined, write: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.suspend(() => {
    const reason = refusal()
    return reason === undefined ? write() : Effect.die(new StorageMisuse({ reason }))
  })
