import { BROADCAST } from "../ids.ts"
import type { Vote, Voted } from "../wire/messages.ts"
import { envelope } from "./envelope.ts"
import { becomeLeader } from "./leader.ts"
import { isUpToDate, lastIndex, lastTerm } from "./log.ts"
import { log, send, type Outputs } from "./outputs.ts"
import { majority } from "./quorum.ts"
import { becomeFollower } from "./roles.ts"
import { clusterSize, type RaftState } from "./state.ts"
import { electionDeadline } from "./timing.ts"

const askForVotes = (state: RaftState, term: number, pre: boolean, out: Outputs): void => {
  out.push(
    send({
      ...envelope(state, BROADCAST),
      type: "vote",
      term,
      lastIndex: lastIndex(state.log),
      lastTerm: lastTerm(state.log),
      pre
    })
  )
}

const hasMajority = (state: RaftState): boolean => state.votes.size >= majority(clusterSize(state))

const becomeCandidate = (state: RaftState, now: number, random: number, out: Outputs): RaftState => {
  const candidate: RaftState = {
    ...state,
    role: "candidate",
    term: state.term + 1,
    votedFor: state.config.self,
    votes: new Set([state.config.self]),
    electionDeadline: electionDeadline(state.config.timing, now, random)
  }
  if (hasMajority(candidate)) return becomeLeader(candidate, now, out)
  askForVotes(candidate, candidate.term, false, out)
  return candidate
}

/**
 * The election timer fired. Thesis §9.6: first a pre-vote, which changes no one's term, so a
 * replica that was cut off cannot force the majority into a new term when it comes back.
 */
export const startPreVote = (state: RaftState, now: number, random: number, out: Outputs): RaftState => {
  out.push(log("debug", "election", `term ${state.term}: ${state.config.self} asks for pre-votes`))
  const pre: RaftState = {
    ...state,
    role: "precandidate",
    leader: BROADCAST,
    votes: new Set([state.config.self]),
    electionDeadline: electionDeadline(state.config.timing, now, random)
  }
  if (hasMajority(pre)) return becomeCandidate(pre, now, random, out)
  askForVotes(pre, state.term + 1, true, out)
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
    out.push(send({ ...envelope(state, request.src), type: "voted", term, granted, pre: true }))
    return state
  }
  if (inLease(state, now)) return state
  const upToDate = isUpToDate(state.log, request.lastIndex, request.lastTerm)
  if (request.term < state.term) {
    out.push(send({ ...envelope(state, request.src), type: "voted", term: state.term, granted: false, pre: false }))
    return state
  }
  const current = request.term > state.term ? becomeFollower(state, request.term, BROADCAST, now, random, out) : state
  const granted = upToDate && (current.votedFor === undefined || current.votedFor === request.src)
  const next: RaftState = granted
    ? { ...current, votedFor: request.src, electionDeadline: electionDeadline(current.config.timing, now, random) }
    : current
  out.push(send({ ...envelope(next, request.src), type: "voted", term: next.term, granted, pre: false }))
  return next
}

/** A vote (or pre-vote) answer reaching a (pre-)candidate. Higher terms were handled in `step`. */
export const onVoted = (state: RaftState, answer: Voted, now: number, random: number, out: Outputs): RaftState => {
  const counts = answer.pre
    ? state.role === "precandidate" && answer.term === state.term + 1
    : state.role === "candidate" && answer.term === state.term
  if (!counts || !answer.granted) return state
  const tallied: RaftState = { ...state, votes: new Set([...state.votes, answer.src]) }
  if (!hasMajority(tallied)) return tallied
  return answer.pre ? becomeCandidate(tallied, now, random, out) : becomeLeader(tallied, now, out)
}
