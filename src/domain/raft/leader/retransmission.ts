import type { NodeId } from "../../ids.ts"
import { sendAppend } from "./appendTo.ts"
import { due, followers, preference, quorumPeers, retransmitTimeout, withProgressOf } from "./leadership.ts"
import { canServeReads } from "./leaseReads.ts"
import { lastIndex } from "../log/log.ts"
import type { Outputs } from "../outputs.ts"
import { owesAnswer, progressWith } from "./progress.ts"
import { majority } from "../structures/quorum.ts"
import { clusterSize, type RaftState } from "../state.ts"

/*
 * What a leader sends again, and when: the shortfall of a late put's quorum and confirmation
 * for reads waiting on the lease (`probe`), and heartbeats whose answers check-quorum needs
 * (`reaskLeaned`). Each has its `…WakeAt`, which leader.ts folds into the replica's one timer.
 */

/** How many more followers must hold the last entry for it to commit, when `missing` lack it. */
const stillNeeded = (state: RaftState, missing: number): number =>
  majority(clusterSize(state)) - 1 - (state.config.peers.length - missing)

/**
 * The resends uncommitted entries need now: a commit needs `majority − 1` followers holding
 * the last entry, so after those that hold it and those whose append may still be in flight
 * (sent less than a retransmission timeout ago: a follower's backed-off timeout only delays
 * resending to that follower, it does not make its silence more promising), only the
 * shortfall is sent again, to the followers `preference` puts first. Resending to every
 * follower that lacks the entry would multiply the messages a lossy network costs per put.
 */
const resendTargets = (state: RaftState<"leader">, now: number): ReadonlyArray<NodeId> => {
  const last = lastIndex(state.log)
  const missing = [...state.leaderState.progress].filter(([, p]) => p.match < last)
  const timeout = retransmitTimeout(state)
  const inFlight = missing.filter(([, p]) => now < p.sentAt + timeout).length
  const shortfall = stillNeeded(state, missing.length) - inFlight
  if (shortfall <= 0) return []
  return missing
    .filter(([, p]) => due(p, now))
    .sort(preference)
    .slice(0, shortfall)
    .map(([peer]) => peer)
}

/**
 * Retransmission, after a retransmission timeout without a commit: the shortfall of a put's
 * quorum (above), or, while reads wait for the lease, an acknowledged heartbeat to every
 * follower (a ReadIndex-style confirmation). Timeouts double per unanswered resend, so a
 * leader cut off from its peers does not flood them.
 */
export const probe = (state: RaftState<"leader">, now: number, out: Outputs): RaftState<"leader"> => {
  const leader = state.leaderState
  const entriesLate = state.commitIndex < lastIndex(state.log) && now >= leader.uncommittedSince + retransmitTimeout(state)
  const readsWaiting = leader.reads.length > 0 && !canServeReads(state, now)
  const targets = readsWaiting
    ? [...leader.progress].filter(([, p]) => due(p, now)).map(([peer]) => peer)
    : entriesLate
      ? resendTargets(state, now)
      : []
  let next = state
  for (const peer of targets) next = resend(next, peer, now, out)
  return next
}

/** Asks `peer` again, doubling its timeout for the next time, up to the heartbeat period. */
const resend = (state: RaftState<"leader">, peer: NodeId, now: number, out: Outputs): RaftState<"leader"> => {
  const next = withProgressOf(state, peer, (p) => progressWith(p, { rto: Math.min(p.rto * 2, state.config.timing.heartbeat) }))
  return sendAppend(next, peer, now, true, out)
}

/**
 * Heartbeat retransmission, for check-quorum's sake. Idle, the leader asks the followers it
 * leans on once a period and must hear a majority within `electionMin`, three periods; the
 * answer to the third period's heartbeat comes after that deadline. With only a majority
 * alive, two lost round trips in a row to one follower (one window in 13 at 15% drops) would
 * depose a working leader. So once the majority has gone unheard for `electionMin − heartbeat`,
 * when no regular heartbeat can still save it, a leaned-on follower that owes an answer is asked
 * again after its retransmission timeout, backing off as `probe` does: about seven more tries
 * before the deadline. Asking again from the first lost period saved no more leaders in
 * virtual runs and cost more messages (docs/protocol-choices.md, "Unanswered heartbeats").
 */
export const reaskLeaned = (
  state: RaftState<"leader">,
  leaned: ReadonlyArray<NodeId>,
  now: number,
  heard: number,
  out: Outputs
): RaftState<"leader"> => {
  if (now < reaskFrom(state, heard)) return state
  let next = state
  for (const peer of leaned) {
    const progress = next.leaderState.progress.get(peer)
    if (progress !== undefined && owesAnswer(progress) && due(progress, now)) next = resend(next, peer, now, out)
  }
  return next
}

/** Re-asks start here, as the last regular heartbeat whose answer can beat check-quorum goes out. */
export const reaskFrom = (state: RaftState, heard: number): number =>
  heard + state.config.timing.electionMin - state.config.timing.heartbeat

/** When `reaskLeaned` next has work: the majority unheard long enough and a leaned-on follower due. */
export const reaskWakeAt = (state: RaftState<"leader">, heard: number): number => {
  const leader = state.leaderState
  let wake = Number.POSITIVE_INFINITY
  for (const peer of quorumPeers(state)) {
    const progress = leader.progress.get(peer)
    if (progress !== undefined && owesAnswer(progress)) wake = Math.min(wake, progress.sentAt + progress.rto)
  }
  return Math.max(wake, reaskFrom(state, heard))
}

/**
 * When `probe` next has work. For entries: once the shortfall above turns positive (all but
 * k − 1 of the appends awaited are older than the timeout, k = the followers still needed)
 * and some follower missing the entry is past its own timeout. For waiting reads: whenever
 * any follower may be asked again.
 */
export const probeWakeAt = (state: RaftState<"leader">): number => {
  const leader = state.leaderState
  const timeout = retransmitTimeout(state)
  const last = lastIndex(state.log)
  if (leader.reads.length > 0) return Math.min(...followers(leader).map((p) => p.sentAt + p.rto))
  if (state.commitIndex >= last) return Number.POSITIVE_INFINITY
  const missing = followers(leader).filter((p) => p.match < last)
  const needed = stillNeeded(state, missing.length)
  if (needed <= 0) return Number.POSITIVE_INFINITY
  const settled = missing.map((p) => p.sentAt + timeout).sort((a, b) => b - a)[needed - 1] ?? Number.NEGATIVE_INFINITY
  const firstDue = Math.min(...missing.map((p) => p.sentAt + p.rto))
  return Math.max(settled, firstDue, leader.uncommittedSince + timeout)
}

