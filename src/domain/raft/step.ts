import { BROADCAST } from "../ids.ts"
import { type ClientRequest, MAX_COUNTER, type ReplicaMessage, type WireMessage } from "../wire/messages.ts"
import { atNonLeader, expireParked } from "./follower/parking.ts"
import { settleUndecided } from "./follower/undecided.ts"
import { canvassAgain, onVote, onVoted, startPreVote } from "./election/election.ts"
import { compact } from "./log/compaction.ts"
import { forgetStaleIncoming, onInstall, rejectStaleInstall } from "./follower/installSnapshot.ts"
import { leaderWakeAt, onAppended, onClientRequest, onInstalled, onLeaderTimeout } from "./leader/leader.ts"
import { log, type Output, type Outputs } from "./outputs.ts"
import { answerProbe, probeAgain } from "./follower/probing.ts"
import { onAppend, rejectStale } from "./follower/replication.ts"
import { becomeFollower } from "./follower/roles.ts"
import { requestKey } from "./log/stateMachine.ts"
import { addRecent, hasRecent } from "./structures/recentSet.ts"
import { stateWith, type RaftState } from "./state.ts"

/** What drives a replica: a decoded datagram, or its timer reaching `wakeAt`. */
export type Input = { readonly _tag: "Message"; readonly message: WireMessage } | { readonly _tag: "Timeout" }

/** The shell supplies the time and one uniform draw in [0, 1) with every input. */
export interface Context {
  readonly now: number
  readonly random: number
}

export interface Step {
  readonly state: RaftState
  readonly outputs: ReadonlyArray<Output>
  /** When the shell must deliver the next Timeout, at the latest. */
  readonly wakeAt: number
}

const isClientRequest = (message: WireMessage): message is ClientRequest => message.type === "get" || message.type === "put"

const isReplicaMessage = (message: WireMessage): message is ReplicaMessage =>
  message.type === "vote" ||
  message.type === "voted" ||
  message.type === "append" ||
  message.type === "appended" ||
  message.type === "install" ||
  message.type === "installed" ||
  message.type === "probe"

/**
 * How far one message may move a replica's term. A term grows by one per election, and
 * pre-vote keeps a cut-off replica from campaigning its own term up, so no honest peer gets
 * this far ahead (a million elections: weeks of them back to back). Ignoring a message is
 * always safe in Raft, it is a loss; refusing the jump keeps one corrupted or forged datagram
 * from pushing every replica's term toward the largest a datagram may carry (MAX_COUNTER),
 * where no one could campaign past it. It would take 2^30 such datagrams in a row.
 */
export const MAX_TERM_JUMP = 2 ** 20

/**
 * The furthest a snapshot may end: half the largest index a datagram may carry. A log that
 * starts from a snapshot keeps growing by appends, and one past the wire's limit would make
 * every answer and vote request of its replica undecodable to its peers, for good. No honest
 * log comes near; from here, appends alone, a datagram's worth of entries at a time, would
 * take some 2^36 forged datagrams to reach the limit.
 */
export const MAX_SNAPSHOT_INDEX = MAX_COUNTER / 2

/**
 * Checks that a decoded message may act on this replica at all: addressed to it, replica
 * traffic only from cluster members, client traffic only from non-members, terms and
 * snapshots within reach. Anything else is dropped with a reason, before it can touch the state.
 */
const refusal = (state: RaftState, message: WireMessage): string | undefined => {
  const { self, peers } = state.config
  const fromPeer = peers.includes(message.src)
  if (message.dst !== self && !(message.dst === BROADCAST && message.type === "vote")) return `addressed to ${message.dst}`
  if (isClientRequest(message)) return fromPeer || message.src === self ? `client request from replica ${message.src}` : undefined
  if (message.type === "hello" || message.type === "ok" || message.type === "fail" || message.type === "redirect") {
    return `a replica does not accept "${message.type}"`
  }
  if (!fromPeer) return `replica message from non-member ${message.src}`
  if ("term" in message && message.term > state.term + MAX_TERM_JUMP) {
    return `term ${message.term} is more than ${MAX_TERM_JUMP} past ours (${state.term})`
  }
  if (message.type === "install" && message.lastIndex > MAX_SNAPSHOT_INDEX) return `snapshot ends at ${message.lastIndex}, past ${MAX_SNAPSHOT_INDEX}`
  return undefined
}

const onClient = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  const key = requestKey(request.src, request.MID)
  if (hasRecent(state.seen, key)) {
    out.push(log("warning", "replayed-mid", `${request.type} ${request.MID} from ${request.src} was handled already; dropped`))
    return state
  }
  const remembered = stateWith(state, { seen: addRecent(state.seen, key) })
  return remembered.role === "leader"
    ? onClientRequest(remembered, request, now, out)
    : atNonLeader(remembered, request, now, out)
}

/** A replica message past the rules for all servers, left for the rules of the role (votes never get here). */
type Addressed = Exclude<ReplicaMessage, { readonly type: "vote" }>

/**
 * Rules for all servers (Figure 2): a higher term makes us a follower of it; a message from
 * an older term is stale — an append or install from a deposed leader is answered so it
 * learns the new term, and so is a probe that reaches a leader (probing.ts); anything else is
 * ignored. Votes are handled before any of this, because a replica in its leader's lease must
 * not let a vote request move its term (§9.6). What is left goes to the rules of the role,
 * as etcd's raft hands off to stepLeader, stepCandidate and stepFollower.
 */
const onReplica = (state: RaftState, message: ReplicaMessage, now: number, random: number, out: Outputs): RaftState => {
  if (message.type === "vote") return onVote(state, message, now, random, out)
  if (message.type === "voted" && message.pre) {
    // A refused pre-vote carries the voter's term; a granted one the term asked for.
    if (!message.granted && message.term > state.term) return becomeFollower(state, message.term, BROADCAST, now, random, out)
    return onVoted(state, message, now, random, out)
  }
  if (message.term < state.term) {
    if (message.type === "append") rejectStale(state, message, out)
    if (message.type === "install") rejectStaleInstall(state, message, out)
    return message.type === "probe" ? answerProbe(state, message, now, out) : state
  }
  const fromLeader = message.type === "append" || message.type === "install"
  const current =
    message.term > state.term
      ? becomeFollower(state, message.term, fromLeader ? message.src : BROADCAST, now, random, out)
      : state
  return current.role === "leader"
    ? stepLeader(current, message, now, random, out)
    : stepFollower(current, message, now, random, out)
}

/**
 * A leader of the message's term: answers to its appends and snapshots move its followers on.
 * An append or install from another leader of the same term would break Election Safety; it
 * is logged and ignored.
 */
const stepLeader = (state: RaftState<"leader">, message: Addressed, now: number, random: number, out: Outputs): RaftState => {
  switch (message.type) {
    case "voted":
      return onVoted(state, message, now, random, out)
    case "appended":
      return onAppended(state, message, now, out)
    case "installed":
      return onInstalled(state, message, now, out)
    case "probe":
      return answerProbe(state, message, now, out)
    case "append":
    case "install": {
      out.push(log("warning", "two-leaders", `term ${state.term}: ${message.type} from ${message.src} while leading; ignored`))
      return state
    }
  }
}

/**
 * A follower or (pre-)candidate of the message's term: the term's leader's appends and
 * snapshots make it that leader's follower; votes count toward its campaign; answers meant
 * for a leadership it no longer holds are ignored.
 */
const stepFollower = (
  state: RaftState<"follower" | "precandidate" | "candidate">,
  message: Addressed,
  now: number,
  random: number,
  out: Outputs
): RaftState => {
  switch (message.type) {
    case "voted":
      return onVoted(state, message, now, random, out)
    case "appended":
    case "installed":
      return state
    case "probe":
      return answerProbe(state, message, now, out)
    case "append":
    case "install": {
      const follower =
        state.role === "follower" && state.leader === message.src ? state : becomeFollower(state, state.term, message.src, now, random, out)
      return message.type === "append"
        ? onAppend(follower, message, now, random, out)
        : onInstall(follower, message, now, random, out)
    }
  }
}

/**
 * A leader deposed by check-quorum asks for pre-votes at once rather than after an election
 * timeout: a pre-vote changes no one's term, and the round's answers tell it within a few
 * round trips whether it is cut off, so that it stops holding clients (parking.ts).
 */
const onTimeout = (state: RaftState, now: number, random: number, out: Outputs): RaftState => {
  if (state.role === "leader") {
    const next = onLeaderTimeout(state, now, random, out)
    return next.role === "leader" ? next : startPreVote(next, now, random, out)
  }
  // The election first: it forgets the silent leader, so a request expiring in the same
  // instant is redirected naming no leader rather than the one just given up on.
  const current = now >= state.electionDeadline ? startPreVote(state, now, random, out) : canvassAgain(state, now, out)
  return probeAgain(expireParked(current, now, out), now, out)
}

export const wakeAt = (state: RaftState): number =>
  state.role === "leader"
    ? leaderWakeAt(state)
    : Math.min(
        state.electionDeadline,
        state.canvass?.askAgainAt ?? Number.POSITIVE_INFINITY,
        state.probe?.askAgainAt ?? Number.POSITIVE_INFINITY,
        ...state.parked.map((parked) => parked.until)
      )

/** The replica as a pure function: same state and inputs, same state and outputs. */
export const step = (state: RaftState, input: Input, { now, random }: Context): Step => {
  const out: Outputs = []
  let next = state
  if (input._tag === "Timeout") {
    next = onTimeout(state, now, random, out)
  } else {
    const message = input.message
    const refused = refusal(state, message)
    if (refused !== undefined) {
      out.push(log("warning", `refused:${message.type}`, `dropped ${message.type} from ${message.src}: ${refused}`))
    } else if (isClientRequest(message)) {
      next = onClient(state, message, now, out)
    } else if (isReplicaMessage(message)) {
      next = onReplica(state, message, now, random, out)
    }
  }
  // Whatever the role and the input: puts left undecided by a deposed leader are answered as
  // soon as their fate is known, and the log is compacted once enough is applied (§7).
  const settled = compact(forgetStaleIncoming(settleUndecided(next, out)))
  return { state: settled, outputs: out, wakeAt: wakeAt(settled) }
}
