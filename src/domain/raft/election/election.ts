import { BROADCAST, type NodeId } from "../../ids.ts"
import type { Vote, Voted } from "../../wire/messages.ts"
import { becomeLeader } from "../leader/leader.ts"
import { backedOff, firstBackoff } from "../structures/backoff.ts"
import { isUpToDate, lastIndex, lastTerm } from "../log/log.ts"
import { log, send, type Outputs } from "../outputs.ts"
import { majority } from "../structures/quorum.ts"
import { becomeFollower } from "../follower/roles.ts"
import { canvassWith, clusterSize, stateWith, toCandidate, toPrecandidate, type Canvass, type RaftState } from "../state.ts"
import { electionDeadline } from "../timing.ts"

const askForVotes = (state: RaftState, to: NodeId, pre: boolean, out: Outputs): void => {
  out.push(
    send({
      src: state.config.self,
      dst: to,
      leader: state.leader,
      type: "vote",
      term: pre ? state.term + 1 : state.term,
      lastIndex: lastIndex(state.log),
      lastTerm: lastTerm(state.log),
      pre
    })
  )
}

/**
 * Three more asks per round: a peer that stays silent through four (15% drops: 0.28⁴ ≈ 0.6%)
 * is down or cut off, and asking it all round long would cost a minority side of a partition
 * messages for nothing.
 */
const ASKS_PER_ROUND = 3

const freshCanvass = (state: RaftState, now: number): Canvass => ({
  answered: new Set([state.config.self]),
  ...firstBackoff(now, state.config.timing.retransmit, ASKS_PER_ROUND)
})

/**
 * Asks again, one by one, the peers that have not answered this round, backing off by
 * doubling: a request or its answer was lost, or the peer is down. Vote requests are
 * idempotent, so a peer that already voted for us just says so again.
 */
export const canvassAgain = (state: RaftState, now: number, out: Outputs): RaftState => {
  if (state.canvass === undefined || now < state.canvass.askAgainAt) return state
  const { canvass } = state
  for (const peer of state.config.peers) {
    if (!canvass.answered.has(peer)) askForVotes(state, peer, state.role === "precandidate", out)
  }
  return canvassWith(state, { answered: canvass.answered, ...backedOff(canvass, now) })
}

const hasMajority = (state: RaftState): boolean => state.votes.size >= majority(clusterSize(state))

const becomeCandidate = (state: RaftState<"precandidate">, now: number, random: number, out: Outputs): RaftState => {
  const candidate = toCandidate(state, freshCanvass(state, now), {
    term: state.term + 1,
    votedFor: state.config.self,
    votes: new Set([state.config.self]),
    electionDeadline: electionDeadline(state.config.timing, now, random)
  })
  if (hasMajority(candidate)) return becomeLeader(candidate, now, out)
  askForVotes(candidate, BROADCAST, false, out)
  return candidate
}

/**
 * The election timer fired. Thesis §9.6: first a pre-vote, which changes no one's term, so a
 * replica that was cut off cannot force the majority into a new term when it comes back.
 */
export const startPreVote = (
  state: RaftState<"follower" | "precandidate" | "candidate">,
  now: number,
  random: number,
  out: Outputs
): RaftState => {
  out.push(log("debug", "election", `term ${state.term}: ${state.config.self} asks for pre-votes`))
  const pre = toPrecandidate(state, freshCanvass(state, now), {
    leader: BROADCAST,
    probe: undefined,
    votes: new Set([state.config.self]),
    electionDeadline: electionDeadline(state.config.timing, now, random)
  })
  if (hasMajority(pre)) return becomeCandidate(pre, now, random, out)
  askForVotes(pre, BROADCAST, true, out)
  return pre
}

/**
 * Thesis §4.2.3 / §9.6: while a replica hears from a leader (or is one) it refuses to vote,
 * which both keeps a reconnecting replica from deposing a healthy leader and is what makes
 * the leader's read lease safe.
 */
const inLease = (state: RaftState, now: number): boolean =>
  state.role === "leader" ||
  (state.leader !== BROADCAST && now - state.leaderContactAt < state.config.timing.electionMin)

/**
 * A vote request reaching this replica (§5.2, §5.4.1), or a pre-vote (§9.6). A pre-vote is
 * answered either way: a grant names the term asked for, a refusal names our own term, so a
 * pre-candidate that fell behind it learns the term it must exceed (peers grant pre-votes only
 * for terms above their own; without this it would ask, and be refused, forever).
 */
export const onVote = (state: RaftState, request: Vote, now: number, random: number, out: Outputs): RaftState => {
  if (request.pre) {
    const granted = !inLease(state, now) && request.term > state.term && isUpToDate(state.log, request.lastIndex, request.lastTerm)
    const term = granted ? request.term : state.term
    out.push(send({ src: state.config.self, dst: request.src, leader: state.leader, type: "voted", term, granted, pre: true }))
    return state
  }
  if (inLease(state, now)) return state
  const upToDate = isUpToDate(state.log, request.lastIndex, request.lastTerm)
  if (request.term < state.term) {
    out.push(send({
      src: state.config.self,
      dst: request.src,
      leader: state.leader,
      type: "voted",
      term: state.term,
      granted: false,
      pre: false
    }))
    return state
  }
  const current = request.term > state.term ? becomeFollower(state, request.term, BROADCAST, now, random, out) : state
  const granted = upToDate && (current.votedFor === undefined || current.votedFor === request.src)
  const next: RaftState = granted
    ? stateWith(current, { votedFor: request.src, electionDeadline: electionDeadline(current.config.timing, now, random) })
    : current
  out.push(send({
    src: next.config.self,
    dst: request.src,
    leader: next.leader,
    type: "voted",
    term: next.term,
    granted,
    pre: false
  }))
  return next
}

/**
 * Whether an answer is one this (pre-)candidate's round asked for. Higher terms were handled
 * in `step`; a pre-vote refusal names the voter's own term, no later than ours.
 */
const counts = (state: RaftState<"precandidate" | "candidate">, answer: Voted): boolean =>
  answer.pre
    ? state.role === "precandidate" && (answer.granted ? answer.term === state.term + 1 : answer.term <= state.term)
    : state.role === "candidate" && answer.term === state.term

/** A vote (or pre-vote) answer: only a (pre-)candidate, canvassing, counts it. */
export const onVoted = (state: RaftState, answer: Voted, now: number, random: number, out: Outputs): RaftState => {
  if (state.canvass === undefined || !counts(state, answer)) return state
  const { askAgainAt, gap, asksLeft } = state.canvass
  const canvass: Canvass = { answered: new Set([...state.canvass.answered, answer.src]), askAgainAt, gap, asksLeft }
  if (!answer.granted) return canvassWith(state, canvass)
  const tallied = canvassWith(state, canvass, { votes: new Set([...state.votes, answer.src]) })
  if (!hasMajority(tallied)) return tallied
  return tallied.role === "precandidate" ? becomeCandidate(tallied, now, random, out) : becomeLeader(tallied, now, out)
}
