import { BROADCAST } from "../ids.ts"
import type { ClientRequest, ReplicaMessage, WireMessage } from "../wire/messages.ts"
import { atNonLeader, expireParked } from "./clients.ts"
import { settleUndecided } from "./undecided.ts"
import { canvassAgain, onVote, onVoted, startPreVote } from "./election.ts"
import { compact } from "./compaction.ts"
import { forgetStaleIncoming, onInstall, rejectStaleInstall } from "./installSnapshot.ts"
import { leaderWakeAt, onAppended, onClientRequest, onInstalled, onLeaderTimeout } from "./leader.ts"
import { log, type Output, type Outputs } from "./outputs.ts"
import { answerProbe, probeAgain } from "./probing.ts"
import { onAppend, rejectStale } from "./replication.ts"
import { becomeFollower } from "./roles.ts"
import { addRecent, hasRecent } from "./recentSet.ts"
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
 * Checks that a decoded message may act on this replica at all: addressed to it, replica
 * traffic only from cluster members, client traffic only from non-members. Anything else is
 * dropped with a reason, before it can touch the state.
 */
const refusal = (state: RaftState, message: WireMessage): string | undefined => {
  const { self, peers } = state.config
  const fromPeer = peers.includes(message.src)
  if (message.dst !== self && !(message.dst === BROADCAST && message.type === "vote")) return `addressed to ${message.dst}`
  if (isClientRequest(message)) return fromPeer || message.src === self ? `client request from replica ${message.src}` : undefined
  if (message.type === "hello" || message.type === "ok" || message.type === "fail" || message.type === "redirect") {
    return `a replica does not accept "${message.type}"`
  }
  return fromPeer ? undefined : `replica message from non-member ${message.src}`
}

const onClient = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  if (hasRecent(state.seen, request.MID)) {
    out.push(log("warning", "replayed-mid", `${request.type} ${request.MID} from ${request.src} was handled already; dropped`))
    return state
  }
  const remembered = stateWith(state, { seen: addRecent(state.seen, request.MID) })
  return remembered.role === "leader"
    ? onClientRequest(remembered, request, now, out)
    : atNonLeader(remembered, request, now, out)
}

/**
 * Rules for all servers (Figure 2): a higher term makes us a follower of it; a message from
 * an older term is stale — an append or install from a deposed leader is answered so it
 * learns the new term, and so is a probe that reaches a leader (probing.ts); anything else is
 * ignored. Votes are handled before any of this, because a replica in its leader's lease must
 * not let a vote request move its term (§9.6).
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
  switch (message.type) {
    case "voted":
      return onVoted(current, message, now, random, out)
    case "appended":
      return current.role === "leader" ? onAppended(current, message, now, out) : current
    case "installed":
      return current.role === "leader" ? onInstalled(current, message, now, out) : current
    case "probe":
      return answerProbe(current, message, now, out)
    case "append":
    case "install": {
      if (current.role === "leader") {
        const text = `term ${current.term}: ${message.type} from ${message.src} while leading; ignored`
        out.push(log("warning", "two-leaders", text))
        return current
      }
      const follower =
        current.role === "follower" && current.leader === message.src
          ? current
          : becomeFollower(current, current.term, message.src, now, random, out)
      return message.type === "append"
        ? onAppend(follower, message, now, random, out)
        : onInstall(follower, message, now, random, out)
    }
  }
}

/**
 * A leader deposed by check-quorum asks for pre-votes at once rather than after an election
 * timeout: a pre-vote changes no one's term, and the round's answers tell it within a few
 * round trips whether it is cut off, so that it stops holding clients (clients.ts).
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
