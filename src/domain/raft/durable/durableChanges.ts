import type { NodeId } from "../../ids.ts"
import type { Entry } from "../../wire/messages.ts"
import { entryAt, lastIndex, type Log } from "../log/log.ts"
import type { SnapshotImage } from "../log/snapshot.ts"
import type { RaftState } from "../state.ts"

/** The snapshot that replaced the log through `index`, whose entry had `term` (§7). */
export interface DurableSnapshot {
  readonly index: number
  readonly term: number
  readonly image: SnapshotImage
}

/**
 * What a step (or a run of steps) changed of Raft's persistent state, in the order it must be
 * written: the vote; the entries from `truncateFrom` on removed; a new snapshot, after which
 * the entries through its index may be forgotten; then `entries`, which follow index `from - 1`.
 * This is etcd's Ready: the shell makes all of it durable before it releases any output of the
 * steps it covers, so no message promises what a crash could take back.
 */
export interface DurableChanges {
  readonly hardState: { readonly term: number; readonly votedFor: NodeId | undefined } | undefined
  readonly truncateFrom: number | undefined
  readonly snapshot: DurableSnapshot | undefined
  readonly from: number
  readonly entries: ReadonlyArray<Entry>
}

export const hasChanges = (changes: DurableChanges): boolean =>
  changes.hardState !== undefined || changes.truncateFrom !== undefined || changes.snapshot !== undefined || changes.entries.length > 0

/**
 * The first index past `after.base` at which the two logs hold different entries, or the index
 * past the shorter one. Compared by reference: the reducer never rewrites an entry in place,
 * it only appends, replaces a suffix (a conflict, §5.3) or drops a prefix, so the entries two
 * versions of one replica's log share form a prefix, and a binary search finds where it ends.
 */
const divergence = (before: Log, after: Log): number => {
  let low = after.base + 1
  let high = Math.min(lastIndex(before), lastIndex(after)) + 1
  while (low < high) {
    const middle = (low + high) >>> 1
    if (entryAt(before, middle) === entryAt(after, middle)) low = middle + 1
    else high = middle
  }
  return low
}

/**
 * What must be made durable to go from `before` to `after`, two states of one replica, the
 * second reached from the first by any number of steps: the work is a few comparisons and a
 * binary search over the log, whatever its length, plus copying the new entries.
 */
export const durableChanges = (before: RaftState, after: RaftState): DurableChanges => {
  const hardState =
    before.term === after.term && before.votedFor === after.votedFor ? undefined : { term: after.term, votedFor: after.votedFor }
  const snapshot =
    before.snapshot === after.snapshot ? undefined : { index: after.log.base, term: after.log.baseTerm, image: after.snapshot }
  if (before.log === after.log) return { hardState, truncateFrom: undefined, snapshot, from: lastIndex(after.log) + 1, entries: [] }
  const differsAt = divergence(before.log, after.log)
  const truncateFrom = differsAt <= lastIndex(before.log) ? differsAt : undefined
  const from = Math.max(differsAt, after.log.base + 1)
  const entries = after.log.entries.slice(from - after.log.base - 1)
  return { hardState, truncateFrom, snapshot, from, entries }
}
