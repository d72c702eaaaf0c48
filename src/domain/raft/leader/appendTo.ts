import type { NodeId } from "../../ids.ts"
import { batchEnd } from "./appendBatch.ts"
import { countSent } from "./delivery.ts"
import { answeredLately, withLeader, withProgressOf } from "./leadership.ts"
import { slice, termAt } from "../log/log.ts"
import { send, type Outputs } from "../outputs.ts"
import { progressWith, updateProgress } from "./progress.ts"
import { installFor } from "./snapshotTransfer.ts"
import { leaderWith, type RaftState } from "../state.ts"

/**
 * Sends `peer` every entry it is not known to hold, as much as fits in a datagram (or an empty
 * heartbeat). Once a follower has matched, that is everything after its match index, so an
 * append lost on the way is repaired by the next one the follower gets, with no rejection
 * round; until then, from its next index, which backtracks on rejection hints. A follower
 * whose next entry was compacted away gets the snapshot instead, a chunk at a time (§7).
 */
export const sendAppend = (
  state: RaftState<"leader">,
  peer: NodeId,
  now: number,
  ack: boolean,
  out: Outputs,
  copies = 1
): RaftState<"leader"> => {
  const progress = state.leaderState.progress.get(peer)
  if (progress === undefined) return state
  const from = progress.match > 0 ? progress.match + 1 : progress.next
  if (from <= state.log.base) {
    out.push(send(installFor(state, peer, progress, now)))
    return withProgressOf(state, peer, (p) => progressWith(p, { sentAt: now, askedAt: now }))
  }
  const to = batchEnd(state.log, from)
  const entries = to >= from ? slice(state.log, from, to) : []
  // A follower answers an append that asks, or that carries entries (replication.ts). One
  // that has not answered this leader for an election timeout, or ever, is taken for dead or
  // cut off: what it misses is not loss.
  const asks = ack || entries.length > 0
  const counted = asks && answeredLately(state, progress, now)
  const message = send({
    src: state.config.self,
    dst: peer,
    leader: state.leader,
    type: "append",
    term: state.term,
    prevIndex: from - 1,
    prevTerm: termAt(state.log, from - 1) ?? 0,
    entries,
    commit: state.commitIndex,
    at: now,
    ack
  })
  let delivery = state.leaderState.delivery
  for (let copy = 0; copy < copies; copy++) {
    out.push(message)
    if (counted) delivery = countSent(delivery)
  }
  return withLeader(state, (leader) =>
    leaderWith(leader, {
      progress: updateProgress(leader.progress, peer, (p) =>
        progressWith(p, { next: Math.max(p.next, to + 1), sentAt: now, askedAt: asks ? now : p.askedAt })
      ),
      delivery
    })
  )
}
