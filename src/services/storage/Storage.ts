import { Context, type Effect } from "effect"
import type { StorageIoError } from "./errors.ts"

/** Raft's vote: the latest term this replica has seen and whom it voted for in it (Figure 2). */
export interface HardState {
  readonly term: number
  readonly votedFor: string | undefined
}

export const initialHardState: HardState = { term: 0, votedFor: undefined }

/**
 * One log entry as stored. The content is an encoded payload, not the domain's entry: the
 * store stays indifferent to what an entry holds (its fields are the reducer's to rename),
 * the service stays one non-generic Tag (a Context.Tag cannot take a type parameter), and
 * the file format never changes with the domain. The caller encodes at the shell's edge
 * with its own Schema (`Schema.parseJson` then UTF-8, say). A payload handed in must not be
 * mutated afterwards: the in-memory layer keeps it as given.
 */
export interface LogEntry {
  readonly index: number
  readonly term: number
  readonly payload: Uint8Array
}

/** The state machine as of `lastIncludedIndex`, the last entry it covers (§7). */
export interface Snapshot {
  readonly lastIncludedIndex: number
  readonly lastIncludedTerm: number
  readonly data: Uint8Array
}

/**
 * What the store held when it opened: the hard state, the latest snapshot, and the log after
 * it (indexes `lastIncludedIndex + 1` onward, contiguous; from 1 without a snapshot).
 */
export interface Recovered {
  readonly hardState: HardState
  readonly snapshot: Snapshot | undefined
  readonly entries: ReadonlyArray<LogEntry>
}

/**
 * Raft's persistent state. Every write resolves only once it is durable, so a replica that
 * waits for it before sending ("persist before send") never promises what a crash can take
 * back. Writes apply in the order they were called, including concurrent ones. After a
 * failed write the store refuses every later one with the same error: what reached the disk
 * is then unknown, and only a restart, which recovers from the disk, can tell.
 *
 * A call that breaks the log's shape (an append that does not follow the log, a truncation
 * into the snapshot, a prefix dropped past the snapshot, an older snapshot) is a bug in the
 * caller and dies with a `StorageMisuse` defect.
 */
export class Storage extends Context.Tag("Storage")<
  Storage,
  {
    /** What was recovered when the store opened; later writes do not change it. */
    readonly load: Effect.Effect<Recovered>
    readonly saveHardState: (hardState: HardState) => Effect.Effect<void, StorageIoError>
    /**
     * Appends entries with consecutive indexes that follow the log: the first one's index is
     * one past the last entry, or one past the snapshot when the snapshot reaches further.
     */
    readonly append: (entries: ReadonlyArray<LogEntry>) => Effect.Effect<void, StorageIoError>
    /** Removes the entries from `from` on: a follower's log that conflicts with its leader's. */
    readonly truncateFrom: (from: number) => Effect.Effect<void, StorageIoError>
    /**
     * Lets the store forget the entries up to `through`, which the durable snapshot must
     * cover (`load` returns only the entries after the snapshot anyway): disk space is given
     * back by whole segments.
     */
    readonly dropPrefix: (through: number) => Effect.Effect<void, StorageIoError>
    /** Replaces the snapshot, atomically: after a crash there is the old one or the new one. */
    readonly saveSnapshot: (snapshot: Snapshot) => Effect.Effect<void, StorageIoError>
  }
>() {}
