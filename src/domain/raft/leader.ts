import { BROADCAST, type NodeId } from "../ids.ts"
import type { Appended, ClientRequest, Entry, Get, Installed, Put } from "../wire/messages.ts"
import { batchEnd, fitsOneAppend } from "./appendBatch.ts"
import { commitTo } from "./commit.ts"
import { countAnswered, countSent, isLossy, noDelivery } from "./delivery.ts"
import { append, lastIndex, lastIndexOfTerm, slice, termAt } from "./log.ts"
import { log, send, type Outputs } from "./outputs.ts"
import { byFreshness, heartbeatDueAt, initialProgress, owesAnswer, progressWith, updateProgress, type Progress } from "./progress.ts"
import { majority, quorumValue } from "./quorum.ts"
import { becomeFollower } from "./roles.ts"
import { observe, retransmitAfter } from "./roundTrip.ts"
import { hasApplied, read } from "./stateMachine.ts"
import { afterInstalled, installFor, movedOn } from "./snapshotTransfer.ts"
import { clusterSize, leaderWith, stateWith, type LeaderState, type RaftState } from "./state.ts"

const leaderOf = (state: RaftState): LeaderState => {
  if (state.leaderState === undefined) throw new Error(`invariant: ${state.config.self} acts as leader without leader state`)
  return state.leaderState
}

const withLeader = (state: RaftState, change: (leader: LeaderState) => LeaderState): RaftState =>
  stateWith(state, { leaderState: change(leaderOf(state)) })

/** `state` with one follower's progress changed, and nothing else. */
const withProgressOf = (state: RaftState, peer: NodeId, change: (progress: Progress) => Progress): RaftState =>
  withLeader(state, (leader) => leaderWith(leader, { progress: updateProgress(leader.progress, peer, change) }))

const followers = (leader: LeaderState): ReadonlyArray<Progress> => [...leader.progress.values()]

/** How long an append may go unanswered before it is taken for lost (roundTrip.ts). */
const retransmitTimeout = (state: RaftState): number => retransmitAfter(leaderOf(state).roundTrip, state.config.timing)

/** The followers the leader leans on: enough of the freshest to make a majority with itself. */
const quorumPeers = (state: RaftState): ReadonlyArray<NodeId> =>
  byFreshness(leaderOf(state).progress).slice(0, majority(clusterSize(state)) - 1)

/**
 * Sends `peer` every entry it is not known to hold, as much as fits in a datagram (or an empty
 * heartbeat). Once a follower has matched, that is everything after its match index, so an
 * append lost on the way is repaired by the next one the follower gets, with no rejection
 * round; until then, from its next index, which backtracks on rejection hints. A follower
 * whose next entry was compacted away gets the snapshot instead, a chunk at a time (§7).
 */
const sendAppend = (state: RaftState, peer: NodeId, now: number, ack: boolean, out: Outputs, copies = 1): RaftState => {
  const progress = leaderOf(state).progress.get(peer)
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
  let delivery = leaderOf(state).delivery
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

/**
 * §5.4.2: commit the highest index a majority stores, but only by counting replicas of an
 * entry from the current term; earlier entries commit indirectly with it.
 */
const advanceCommit = (state: RaftState, now: number, out: Outputs): RaftState => {
  const leader = leaderOf(state)
  const candidate = quorumValue(lastIndex(state.log), followers(leader).map((p) => p.match))
  if (candidate <= state.commitIndex || termAt(state.log, candidate) !== state.term) return state
  const committed = commitTo(state, candidate, out)
  const pending = committed.commitIndex < lastIndex(committed.log)
  return withLeader(committed, (l) => leaderWith(l, { uncommittedSince: pending ? now : l.uncommittedSince }))
}

/**
 * Thesis §6.4.1: reads need no log round while the lease holds. Followers refuse to vote
 * for `electionMin` after hearing this leader, and `leaseUntil` is measured from the send
 * time of a message a quorum acknowledged, so until it passes no other leader can exist and
 * our applied state includes every acknowledged write. Before this term's no-op commits the
 * leader may not know the latest commit index, so reads wait for it (§8).
 */
const leaseUntil = (state: RaftState): number =>
  quorumValue(Number.POSITIVE_INFINITY, followers(leaderOf(state)).map((p) => p.ackedAt)) + state.config.timing.lease

const canServeReads = (state: RaftState, now: number): boolean =>
  state.commitIndex >= leaderOf(state).termStart && now < leaseUntil(state)

const answerRead = (state: RaftState, request: Get, out: Outputs): void => {
  out.push(send({
    src: state.config.self,
    dst: request.src,
    leader: state.leader,
    type: "ok",
    MID: request.MID,
    value: read(state.machine, request.key)
  }))
}

const serveWaitingReads = (state: RaftState, now: number, out: Outputs): RaftState => {
  const leader = leaderOf(state)
  if (leader.reads.length === 0 || !canServeReads(state, now)) return state
  for (const { request } of leader.reads) answerRead(state, request, out)
  return withLeader(state, (l) => leaderWith(l, { reads: [] }))
}

const due = (progress: Progress, now: number): boolean => now >= progress.sentAt + progress.rto

/**
 * Has it answered something this leader sent within an election timeout? Unlike `heardAt`,
 * which a new leader starts at its election so check-quorum gives every follower a full
 * timeout, `ackedAt` starts at −∞: a follower that died with the old leader never counts.
 */
const answeredLately = (state: RaftState, progress: Progress, now: number): boolean =>
  now - progress.ackedAt < state.config.timing.electionMin

/**
 * Whom to send to first: followers that answered the last thing sent to them, then those
 * sent to least recently. A dead or cut-off follower drops to the back after one unanswered
 * append, and the rest take turns.
 */
const preference = ([a, pa]: readonly [NodeId, Progress], [b, pb]: readonly [NodeId, Progress]): number =>
  Number(pb.heardAt >= pb.sentAt) - Number(pa.heardAt >= pa.sentAt) || pa.sentAt - pb.sentAt || (a < b ? -1 : 1)

/**
 * The resends uncommitted entries need now: a commit needs `majority − 1` followers holding
 * the last entry, so after those that hold it and those whose append may still be in flight
 * (sent less than a retransmission timeout ago: a follower's backed-off timeout only delays
 * resending to that follower, it does not make its silence more promising), only the
 * shortfall is sent again, to the followers `preference` puts first. Resending to every
 * follower that lacks the entry would multiply the messages a lossy network costs per put.
 */
const resendTargets = (state: RaftState, now: number): ReadonlyArray<NodeId> => {
  const last = lastIndex(state.log)
  const missing = [...leaderOf(state).progress].filter(([, p]) => p.match < last)
  const holding = state.config.peers.length - missing.length
  const timeout = retransmitTimeout(state)
  const inFlight = missing.filter(([, p]) => now < p.sentAt + timeout).length
  const shortfall = majority(clusterSize(state)) - 1 - holding - inFlight
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
const probe = (state: RaftState, now: number, out: Outputs): RaftState => {
  const leader = leaderOf(state)
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
const resend = (state: RaftState, peer: NodeId, now: number, out: Outputs): RaftState => {
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
 * virtual runs and cost more messages (README, "Unanswered heartbeats").
 */
const reaskLeaned = (state: RaftState, leaned: ReadonlyArray<NodeId>, now: number, heard: number, out: Outputs): RaftState => {
  if (now < reaskFrom(state, heard)) return state
  let next = state
  for (const peer of leaned) {
    const progress = leaderOf(next).progress.get(peer)
    if (progress !== undefined && owesAnswer(progress) && due(progress, now)) next = resend(next, peer, now, out)
  }
  return next
}

/** Re-asks start here, as the last regular heartbeat whose answer can beat check-quorum goes out. */
const reaskFrom = (state: RaftState, heard: number): number =>
  heard + state.config.timing.electionMin - state.config.timing.heartbeat

/** When `reaskLeaned` next has work: the majority unheard long enough and a leaned-on follower due. */
const reaskWakeAt = (state: RaftState, heard: number): number => {
  const leader = leaderOf(state)
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
const probeWakeAt = (state: RaftState): number => {
  const leader = leaderOf(state)
  const timeout = retransmitTimeout(state)
  const last = lastIndex(state.log)
  if (leader.reads.length > 0) return Math.min(...[...leader.progress.values()].map((p) => p.sentAt + p.rto))
  if (state.commitIndex >= last) return Number.POSITIVE_INFINITY
  const missing = [...leader.progress.values()].filter((p) => p.match < last)
  const needed = majority(clusterSize(state)) - 1 - (state.config.peers.length - missing.length)
  if (needed <= 0) return Number.POSITIVE_INFINITY
  const settled = missing.map((p) => p.sentAt + timeout).sort((a, b) => b - a)[needed - 1] ?? Number.NEGATIVE_INFINITY
  const firstDue = Math.min(...missing.map((p) => p.sentAt + p.rto))
  return Math.max(settled, firstDue, leader.uncommittedSince + timeout)
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
const replicateEagerly = (state: RaftState, now: number, out: Outputs): RaftState => {
  const leader = leaderOf(state)
  const quorum = majority(clusterSize(state)) - 1
  const answering = [...leader.progress.values()].filter((p) => answeredLately(state, p, now)).length
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
const refuseOversized = (state: RaftState, request: Put, out: Outputs): RaftState => {
  out.push(send({ src: state.config.self, dst: request.src, leader: state.leader, type: "fail", MID: request.MID }))
  out.push(log("warning", "oversized-put", `put ${request.MID} refused: key and value too large for one datagram`))
  return state
}

const entryOf = (state: RaftState, put: Put): Entry => ({ t: state.term, k: put.key, v: put.value, c: put.src, m: put.MID })

const logStalled = (state: RaftState, now: number): boolean =>
  state.commitIndex < lastIndex(state.log) && now >= leaderOf(state).uncommittedSince + state.config.timing.holdAfter

/**
 * A put waits outside the log while the log is stalled (timing.ts, `holdAfter`), or while
 * earlier puts wait there, so that they join it in the order they came.
 */
const holdsPuts = (state: RaftState, now: number): boolean => leaderOf(state).held.length > 0 || logStalled(state, now)

const appendEntries = (state: RaftState, entries: ReadonlyArray<Entry>, now: number, out: Outputs): RaftState => {
  const wasCommitted = state.commitIndex === lastIndex(state.log)
  const appended = stateWith(state, { log: append(state.log, entries) })
  const timed = wasCommitted ? withLeader(appended, (l) => leaderWith(l, { uncommittedSince: now })) : appended
  return advanceCommit(replicateEagerly(timed, now, out), now, out)
}

/** The log moved again: the puts held while it was stalled join it, in one batch. */
const releaseHeld = (state: RaftState, now: number, out: Outputs): RaftState => {
  const { held } = leaderOf(state)
  if (held.length === 0 || logStalled(state, now)) return state
  return appendEntries(withLeader(state, (l) => leaderWith(l, { held: [] })), held.map((put) => entryOf(state, put)), now, out)
}

export const onClientRequest = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  if (request.type === "get") {
    if (canServeReads(state, now)) {
      answerRead(state, request, out)
      return state
    }
    return probe(withLeader(state, (l) => leaderWith(l, { reads: [...l.reads, { request }] })), now, out)
  }
  if (hasApplied(state.machine, request.MID)) {
    out.push(log("warning", "replayed-put", `put ${request.MID} was applied already; not applying it twice`))
    return state
  }
  const entry = entryOf(state, request)
  if (!fitsOneAppend(entry)) return refuseOversized(state, request, out)
  if (holdsPuts(state, now)) return withLeader(state, (l) => leaderWith(l, { held: [...l.held, request] }))
  return appendEntries(state, [entry], now, out)
}

export const becomeLeader = (state: RaftState, now: number, out: Outputs): RaftState => {
  const next = lastIndex(state.log) + 1
  const rto = retransmitAfter(undefined, state.config.timing)
  const progress = new Map(state.config.peers.map((peer) => [peer, initialProgress(next, now, rto)] as const))
  const withNoop = append(state.log, [{ t: state.term }])
  let leader = stateWith(state, {
    role: "leader",
    leader: state.config.self,
    votes: new Set(),
    canvass: undefined,
    log: withNoop,
    leaderState: {
      progress,
      termStart: lastIndex(withNoop),
      uncommittedSince: now,
      reads: [],
      held: [],
      delivery: noDelivery,
      roundTrip: undefined
    },
    parked: []
  })
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
export const onAppended = (state: RaftState, message: Appended, now: number, out: Outputs): RaftState => {
  const peer = message.src
  const before = leaderOf(state).progress.get(peer)
  if (before === undefined) return state
  const roundTrip = observe(leaderOf(state).roundTrip, now - message.at)
  const rto = retransmitAfter(roundTrip, state.config.timing)
  let next = withLeader(state, (l) =>
    leaderWith(l, {
      delivery: countAnswered(l.delivery),
      roundTrip,
      progress: updateProgress(l.progress, peer, (p) =>
        progressWith(p, {
          heardAt: now,
          rto,
          ackedAt: Math.max(p.ackedAt, message.at),
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
export const onInstalled = (state: RaftState, message: Installed, now: number, out: Outputs): RaftState => {
  const peer = message.src
  const before = leaderOf(state).progress.get(peer)
  if (before === undefined) return state
  let next = withProgressOf(state, peer, (p) => afterInstalled(p, message, now, retransmitTimeout(state)))
  const after = leaderOf(next).progress.get(peer)
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
export const onLeaderTimeout = (state: RaftState, now: number, random: number, out: Outputs): RaftState => {
  const timing = state.config.timing
  const heard = quorumValue(Number.POSITIVE_INFINITY, followers(leaderOf(state)).map((p) => p.heardAt))
  if (now >= heard + timing.electionMin) {
    out.push(log("info", "check-quorum", `term ${state.term}: ${state.config.self} lost contact with a majority`))
    return becomeFollower(state, state.term, BROADCAST, now, random, out)
  }
  let next = probe(state, now, out)
  const leaned = quorumPeers(next)
  next = reaskLeaned(next, leaned, now, heard, out)
  const askAll = now > heard + timing.heartbeat * 1.5
  for (const [peer, progress] of leaderOf(next).progress) {
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
export const leaderWakeAt = (state: RaftState): number => {
  const timing = state.config.timing
  const leader = leaderOf(state)
  const progress = followers(leader)
  const heard = quorumValue(Number.POSITIVE_INFINITY, progress.map((p) => p.heardAt))
  let wake = Math.min(heard + timing.electionMin, probeWakeAt(state))
  for (const p of progress) wake = Math.min(wake, heartbeatDueAt(p, timing))
  // No re-ask comes before `reaskFrom`: while something else does, skip their sort (every step).
  return reaskFrom(state, heard) < wake ? Math.min(wake, reaskWakeAt(state, heard)) : wake
}
