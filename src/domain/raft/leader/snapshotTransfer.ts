import type { NodeId } from "../../ids.ts"
import type { Install, Installed } from "../../wire/messages.ts"
import { progressWith, type Progress } from "./progress.ts"
import { chunkAt } from "../log/snapshot.ts"
import type { RaftState } from "../state.ts"

/**
 * The leader's side of InstallSnapshot (§7), for a follower that needs entries the leader has
 * compacted away. One chunk is in flight per follower, stop-and-wait: each answer says how far
 * the follower got and the next chunk goes out then; a lost chunk is resent with the next
 * heartbeat or retransmission, from where the follower's last answer left it.
 */
export const installFor = (state: RaftState, peer: NodeId, progress: Progress, now: number): Install => {
  const cursor = progress.snapshot
  const chunk = chunkAt(state.snapshot, cursor !== undefined && cursor.lastIndex === state.log.base ? cursor.offset : 0)
  return {
    src: state.config.self,
    dst: peer,
    leader: state.leader,
    type: "install",
    term: state.term,
    lastIndex: state.log.base,
    lastTerm: state.log.baseTerm,
    offset: chunk.offset,
    pairs: chunk.pairs,
    mids: chunk.mids,
    done: chunk.done,
    at: now
  }
}

/**
 * A follower's answer to a chunk. Like any answer in our term it proves the follower accepted
 * us at the send time it echoes, `sentAt` (lease, check-quorum; bounded by leadership.ts's
 * `echoedAt`). Once installed, the follower matches the leader through the snapshot's last
 * entry and takes appends from the one after.
 */
export const afterInstalled = (progress: Progress, sentAt: number, answer: Installed, now: number, rto: number): Progress =>
  progressWith(progress, {
    heardAt: now,
    rto,
    ackedAt: Math.max(progress.ackedAt, sentAt),
    match: answer.done ? Math.max(progress.match, answer.lastIndex) : progress.match,
    next: answer.done ? Math.max(progress.next, answer.lastIndex + 1) : progress.next,
    snapshot: answer.done ? undefined : { lastIndex: answer.lastIndex, offset: answer.offset }
  })

/** Whether an answer moved the follower on, so that the next chunk (or the entries after the snapshot) should go at once. */
export const movedOn = (before: Progress, after: Progress): boolean =>
  after.next > before.next ||
  after.snapshot?.lastIndex !== before.snapshot?.lastIndex ||
  after.snapshot?.offset !== before.snapshot?.offset
