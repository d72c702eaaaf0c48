import type { NodeId } from "../../ids.ts"
import { byFreshness, updateProgress, type Progress } from "./progress.ts"
import { majority } from "../structures/quorum.ts"
import { retransmitAfter } from "./roundTrip.ts"
import { clusterSize, leaderStateWith, leaderWith, type LeaderState, type RaftState } from "../state.ts"

/*
 * The leader's view of its followers, shared by the files that act on it: replication
 * (leader.ts, appendTo.ts), lease reads (leaseReads.ts) and retransmission (retransmission.ts).
 */

export const withLeader = (state: RaftState<"leader">, change: (leader: LeaderState) => LeaderState): RaftState<"leader"> =>
  leaderStateWith(state, change(state.leaderState))

/** `state` with one follower's progress changed, and nothing else. */
export const withProgressOf = (
  state: RaftState<"leader">,
  peer: NodeId,
  change: (progress: Progress) => Progress
): RaftState<"leader"> =>
  withLeader(state, (leader) => leaderWith(leader, { progress: updateProgress(leader.progress, peer, change) }))

export const followers = (leader: LeaderState): ReadonlyArray<Progress> => [...leader.progress.values()]

/**
 * The send time an answer echoes, as far as this leader can have sent it: not before its term
 * began, not after now. Followers are trusted to echo what they were sent, but a corrupted or
 * forged `at` from the future would otherwise make the lease endless (`ackedAt` only grows)
 * and one from long ago a round trip of hours.
 */
export const echoedAt = (state: RaftState<"leader">, at: number, now: number): number =>
  Math.min(now, Math.max(state.leaderState.electedAt, at))

/** How long an append may go unanswered before it is taken for lost (roundTrip.ts). */
export const retransmitTimeout = (state: RaftState<"leader">): number => retransmitAfter(state.leaderState.roundTrip, state.config.timing)

/** The followers the leader leans on: enough of the freshest to make a majority with itself. */
export const quorumPeers = (state: RaftState<"leader">): ReadonlyArray<NodeId> =>
  byFreshness(state.leaderState.progress).slice(0, majority(clusterSize(state)) - 1)

/** Its retransmission timeout has passed since the leader last sent it anything. */
export const due = (progress: Progress, now: number): boolean => now >= progress.sentAt + progress.rto

/**
 * Has it answered something this leader sent within an election timeout? Unlike `heardAt`,
 * which a new leader starts at its election so check-quorum gives every follower a full
 * timeout, `ackedAt` starts at −∞: a follower that died with the old leader never counts.
 */
export const answeredLately = (state: RaftState, progress: Progress, now: number): boolean =>
  now - progress.ackedAt < state.config.timing.electionMin

/**
 * Whom to send to first: followers that answered the last thing sent to them, then those
 * sent to least recently. A dead or cut-off follower drops to the back after one unanswered
 * append, and the rest take turns.
 */
export const preference = ([a, pa]: readonly [NodeId, Progress], [b, pb]: readonly [NodeId, Progress]): number =>
  Number(pb.heardAt >= pb.sentAt) - Number(pa.heardAt >= pa.sentAt) || pa.sentAt - pb.sentAt || (a < b ? -1 : 1)

