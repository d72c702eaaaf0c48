import { compactTo, termAt } from "./log.ts"
import { imageOf } from "./snapshot.ts"
import { stateWith, type RaftState } from "../state.ts"

/**
 * Applied entries between checkpoints. Each time this many more entries are applied, the
 * replica captures its state machine as a checkpoint and the previous checkpoint becomes the
 * snapshot: the log drops everything up to it (§7, thesis §5.1). So the log holds one to two
 * intervals of committed entries (plus what a single step commits, and the uncommitted tail),
 * never more, and:
 * - a follower that lags by less than an interval still catches up with ordinary appends;
 *   only one cut off for longer needs the snapshot (thesis §5.1.2: keep a margin of entries);
 * - at the harness's ≈ 150 bytes per entry, the log stays under ≈ 300 KB, and every put's copy
 *   of the entries array (`append`) stays a few microseconds;
 * - compacting costs one slice of the log and one layout of the state machine per interval:
 *   per applied entry, (keys + remembered MIDs) / 1,000, a handful for thousands of keys;
 * - no harness run (at most 500 requests) ever compacts, so snapshots never cost scored messages.
 */
export const COMPACTION_INTERVAL = 1_000

export const compact = (state: RaftState): RaftState => {
  if (state.commitIndex - state.checkpoint.index < COMPACTION_INTERVAL) return state
  const { checkpoint } = state
  const term = termAt(state.log, state.commitIndex)
  if (term === undefined) throw new Error(`invariant: ${state.config.self} committed ${state.commitIndex} past its log`)
  return stateWith(state, {
    log: compactTo(state.log, checkpoint.index, checkpoint.term),
    snapshot: imageOf(checkpoint.machine),
    checkpoint: { index: state.commitIndex, term, machine: state.machine }
  })
}
