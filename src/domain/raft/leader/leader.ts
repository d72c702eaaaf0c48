import { BROADCAST } from "../../ids.ts"
import type { Appended, ClientRequest, Entry, Installed, Put } from "../../wire/messages.ts"
import { fitsOneAppend } from "./appendBatch.ts"
import { sendAppend } from "./appendTo.ts"
import { commitTo } from "../log/commit.ts"
import { countAnswered, isLossy, noDelivery } from "./delivery.ts"
import { answeredLately, echoedAt, followers, preference, quorumPeers, retransmitTimeout, withLeader, withProgressOf } from "./leadership.ts"
import { answerRead, canServeReads, serveWaitingReads } from "./leaseReads.ts"
import { append, lastIndex, lastIndexOfTerm, termAt } from "../log/log.ts"
import { log, send, type Outputs } from "../outputs.ts"
import { heartbeatDueAt, initialProgress, owesAnswer, progressWith, updateProgress } from "./progress.ts"
import { majority, quorumValue } from "../structures/quorum.ts"
import { probe, probeWakeAt, reaskFrom, reaskLeaned, reaskWakeAt } from "./retransmission.ts"
import { becomeFollower } from "../follower/roles.ts"
import { observe, retransmitAfter } from "./roundTrip.ts"
import { afterInstalled, movedOn } from "./snapshotTransfer.ts"
import { clusterSize, leaderWith, stateWith, toLeader, type LeaderState, type RaftState } from "../state.ts"
import { hasApplied } from "../log/stateMachine.ts"

/**
 * §5.4.2: commit the highest index a majority stores, but only by counting replicas of an
 * entry from the current term; earlier entries commit indirectly with it.
 */
const advanceCommit = (state: RaftState<"leader">, now: number, out: Outputs): RaftState<"leader"> => {
  const leader = state.leaderState
  const candidate = quorumValue(lastIndex(state.log), followers(leader).map((p) => p.match))
  if (candidate <= state.commitIndex || termAt(state.log, candidate) !== state.term) return state
  const committed = commitTo(state, candidate, out)
  const pending = committed.commitIndex < lastIndex(committed.log)
  return withLeader(committed, (l) => leaderWith(l, { uncommittedSince: pending ? now : l.uncommittedSince }))
}

/**
 * A new put goes at once to a quorum's worth of followers, taking turns (`preference`).
 * Rotating spreads the entries over every follower as they come, so none needs a separate
 * catch-up append (each append carries whatever its follower lacks), and heartbeats stay off
 * while puts flow. Where round trips are lost as often as not, it goes twice to every
 * follower that answered lately. At 30% drops a round trip survives 49% of the time, and two
 * copies 74%; the two answers a commit needs then come back at once for 94% of puts with four
 * followers (67% with one copy each, 24% with two sends) and 83% with three, after a kill (49%
 * with one copy), so the median put does not wait out a retransmission.
 */
const replicateEagerly = (state: RaftState<"leader">, now: number, out: Outputs): RaftState<"leader"> => {
  const leader = state.leaderState
  const quorum = majority(clusterSize(state)) - 1
  const answering = followers(leader).filter((p) => answeredLately(state, p, now)).length
  const lossy = isLossy(leader.delivery)
  const fanOut = lossy ? Math.max(quorum, answering) : quorum
  const turn = [...leader.progress].sort(preference).slice(0, fanOut)
  let next = state
  for (const [peer] of turn) next = sendAppend(next, peer, now, true, out, lossy ? 2 : 1)
  return next
}

/**
 * A put whose entry could never cross the network in an append would sit in the log forever,
 * uncommitted, blocking every entry after it. It fails at once instead: the client learns
 * the store refuses it, and no replica ever sees it.
 */
const refuseOversized = (state: RaftState<"leader">, request: Put, out: Outputs): RaftState<"leader"> => {
  out.push(send({ src: state.config.self, dst: request.src, leader: state.leader, type: "fail", MID: request.MID }))
  out.push(log("warning", "oversized-put", `put ${request.MID} refused: key and value too large for one datagram`))
  return state
}

const entryOf = (state: RaftState, put: Put): Entry => ({ term: state.term, key: put.key, value: put.value, client: put.src, MID: put.MID })

const logStalled = (state: RaftState<"leader">, now: number): boolean =>
  state.commitIndex < lastIndex(state.log) && now >= state.leaderState.uncommittedSince + state.config.timing.holdAfter

/**
 * A put waits outside the log while the log is stalled (timing.ts, `holdAfter`), or while
 * earlier puts wait there, so that they join it in the order they came.
 */
const holdsPuts = (state: RaftState<"leader">, now: number): boolean => state.leaderState.held.length > 0 || logStalled(state, now)

const appendEntries = (state: RaftState<"leader">, entries: ReadonlyArray<Entry>, now: number, out: Outputs): RaftState<"leader"> => {
  const wasCommitted = state.commitIndex === lastIndex(state.log)
  const appended = stateWith(state, { log: append(state.log, entries) })
  const timed = wasCommitted ? withLeader(appended, (l) => leaderWith(l, { uncommittedSince: now })) : appended
  return advanceCommit(replicateEagerly(timed, now, out), now, out)
}

/** The log moved again: the puts held while it was stalled join it, in one batch. */
const releaseHeld = (state: RaftState<"leader">, now: number, out: Outputs): RaftState<"leader"> => {
  const { held } = state.leaderState
  if (held.length === 0 || logStalled(state, now)) return state
  return appendEntries(withLeader(state, (l) => leaderWith(l, { held: [] })), held.map((put) => entryOf(state, put)), now, out)
}

export const onClientRequest = (state: RaftState<"leader">, request: ClientRequest, now: number, out: Outputs): RaftState<"leader"> => {
  if (request.type === "get") {
    if (canServeReads(state, now)) {
      answerRead(state, request, out)
      return state
    }
    return probe(withLeader(state, (l) => leaderWith(l, { reads: [...l.reads, { request }] })), now, out)
  }
  if (hasApplied(state.machine, request.src, request.MID)) {
    out.push(log("warning", "replayed-put", `put ${request.MID} was applied already; not applying it twice`))
    return state
  }
  const entry = entryOf(state, request)
  if (!fitsOneAppend(entry)) return refuseOversized(state, request, out)
  if (holdsPuts(state, now)) return withLeader(state, (l) => leaderWith(l, { held: [...l.held, request] }))
  return appendEntries(state, [entry], now, out)
}

export const becomeLeader = (state: RaftState<"candidate">, now: number, out: Outputs): RaftState<"leader"> => {
  const next = lastIndex(state.log) + 1
  const rto = retransmitAfter(undefined, state.config.timing)
  const progress = new Map(state.config.peers.map((peer) => [peer, initialProgress(next, now, rto)] as const))
  const withNoop = append(state.log, [{ term: state.term }])
  const leaderState: LeaderState = {
    progress,
    termStart: lastIndex(withNoop),
    electedAt: now,
    uncommittedSince: now,
    reads: [],
    held: [],
    delivery: noDelivery,
    roundTrip: undefined
  }
  let leader = toLeader(state, leaderState, { leader: state.config.self, votes: new Set(), log: withNoop, parked: [] })
  out.push(log("info", "role", `term ${state.term}: ${state.config.self} becomes leader`))
  for (const peer of state.config.peers) leader = sendAppend(leader, peer, now, true, out)
  leader = advanceCommit(leader, now, out)
  for (const { request } of state.parked) leader = onClientRequest(leader, request, now, out)
  return leader
}

/**
 * A follower's answer. Any answer in our term proves it accepted us at the echoed send time
 * (lease, check-quorum) and times one round trip; a rejection carries a conflict hint so the
 * leader jumps back a whole term at a time (§5.3, "fast backtracking") instead of one entry
 * per round trip.
 */
export const onAppended = (state: RaftState<"leader">, message: Appended, now: number, out: Outputs): RaftState<"leader"> => {
  const peer = message.src
  const before = state.leaderState.progress.get(peer)
  if (before === undefined) return state
  const sentAt = echoedAt(state, message.at, now)
  const roundTrip = observe(state.leaderState.roundTrip, now - sentAt)
  const rto = retransmitAfter(roundTrip, state.config.timing)
  let next = withLeader(state, (l) =>
    leaderWith(l, {
      delivery: countAnswered(l.delivery),
      roundTrip,
      progress: updateProgress(l.progress, peer, (p) =>
        progressWith(p, {
          heardAt: now,
          rto,
          ackedAt: Math.max(p.ackedAt, sentAt),
          match: message.success ? Math.max(p.match, message.match) : p.match,
          next: message.success ? Math.max(p.next, message.match + 1) : p.next
        })
      )
    })
  )
  if (!message.success && message.conflictIndex > before.match) {
    const known = message.conflictTerm > 0 ? lastIndexOfTerm(state.log, message.conflictTerm) : undefined
    const hint = known !== undefined ? known + 1 : message.conflictIndex
    const retry = Math.min(Math.max(hint, before.match + 1), lastIndex(state.log) + 1)
    next = withProgressOf(next, peer, (p) => progressWith(p, { next: retry }))
    next = sendAppend(next, peer, now, true, out)
  }
  return serveWaitingReads(releaseHeld(advanceCommit(next, now, out), now, out), now, out)
}

/**
 * A follower's answer to a snapshot chunk (§7). When it moved on, the next chunk (or the
 * entries after the snapshot) goes at once; an answer to a duplicate chunk sends nothing.
 */
export const onInstalled = (state: RaftState<"leader">, message: Installed, now: number, out: Outputs): RaftState<"leader"> => {
  const peer = message.src
  const before = state.leaderState.progress.get(peer)
  if (before === undefined) return state
  const sentAt = echoedAt(state, message.at, now)
  let next = withProgressOf(state, peer, (p) => afterInstalled(p, sentAt, message, now, retransmitTimeout(state)))
  const after = next.leaderState.progress.get(peer)
  if (after !== undefined && movedOn(before, after) && after.next <= lastIndex(next.log)) {
    next = sendAppend(next, peer, now, true, out)
  }
  return serveWaitingReads(next, now, out)
}

/**
 * The leader's clock: check-quorum (thesis §6.2: a leader that has not heard from a
 * majority for an election timeout steps down, answering its waiting clients), retransmission
 * of uncommitted entries and of heartbeats whose answers check-quorum needs, heartbeats, and
 * renewed confirmation for waiting reads.
 */
export const onLeaderTimeout = (state: RaftState<"leader">, now: number, random: number, out: Outputs): RaftState => {
  const timing = state.config.timing
  const heard = quorumValue(Number.POSITIVE_INFINITY, followers(state.leaderState).map((p) => p.heardAt))
  if (now >= heard + timing.electionMin) {
    out.push(log("info", "check-quorum", `term ${state.term}: ${state.config.self} lost contact with a majority`))
    return becomeFollower(state, state.term, BROADCAST, now, random, out)
  }
  let next = probe(state, now, out)
  const leaned = quorumPeers(next)
  next = reaskLeaned(next, leaned, now, heard, out)
  const askAll = now > heard + timing.heartbeat * 1.5
  for (const [peer, progress] of next.leaderState.progress) {
    if (now >= heartbeatDueAt(progress, timing)) {
      next = sendAppend(next, peer, now, askAll || leaned.includes(peer) || owesAnswer(progress), out)
    }
  }
  return next
}

/**
 * When the leader's clock next needs to run. Every deadline here is written `at + period`,
 * exactly as the checks above compare it: `now - at >= period` can round the other way and
 * leave a timer that fires forever with nothing to do.
 */
export const leaderWakeAt = (state: RaftState<"leader">): number => {
  const timing = state.config.timing
  const leader = state.leaderState
  const progress = followers(leader)
  const heard = quorumValue(Number.POSITIVE_INFINITY, progress.map((p) => p.heardAt))
  let wake = Math.min(heard + timing.electionMin, probeWakeAt(state))
  for (const p of progress) wake = Math.min(wake, heartbeatDueAt(p, timing))
  // No re-ask comes before `reaskFrom`: while something else does, skip their sort (every step).
  return reaskFrom(state, heard) < wake ? Math.min(wake, reaskWakeAt(state, heard)) : wake
}
