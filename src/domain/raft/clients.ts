import { BROADCAST, type NodeId } from "../ids.ts"
import type { ClientRequest } from "../wire/messages.ts"
import { send, type Outputs } from "./outputs.ts"
import { majority } from "./quorum.ts"
import { clusterSize, stateWith, type RaftState } from "./state.ts"

export const redirect = (state: RaftState, client: NodeId, mid: string, out: Outputs): void => {
  out.push(send({ src: state.config.self, dst: client, leader: state.leader, type: "redirect", MID: mid }))
}

/**
 * Did this replica's last round of asking for votes end with fewer than a majority answering,
 * granted or not, itself included, after every silent peer was asked four times? Then it is
 * cut off in a minority, where no leader will speak until the partition heals.
 */
const cutOff = (state: RaftState): boolean =>
  state.canvass !== undefined && state.canvass.asksLeft === 0 && state.canvass.answered.size < majority(clusterSize(state))

const park = (state: RaftState, request: ClientRequest, until: number): RaftState =>
  stateWith(state, { parked: [...state.parked, { request, until }] })

/**
 * A client request at a replica that is not the leader. With a live leader known, redirect.
 * Otherwise hold the request (parked) until a leader speaks, bounded by `parkLimit`: an
 * immediate redirect would only send the client, which retries at once, bouncing between
 * replicas for the whole election (hundreds of thousands of redirects in a virtual run).
 * We suspect our leader is dead when a client names it yet asks us: the harness sends a
 * client elsewhere only when it knows its leader is dead. A leader we no longer hear is
 * still redirected to: clients reach every replica, so if it is we who are cut off, it
 * serves them.
 *
 * A replica that knows no leader will speak to it soon sends the client on sooner: a redirect
 * naming no one sends it to a random replica, likelier on the majority side.
 * - Whose canvass found it cut off: it parks the client for `cutOffParkLimit` only. Not at
 *   once: the majority side redirects to its old leader until its own election timeout, and
 *   where that is us, or every replica is cut off (flapping partitions, heavy loss), clients
 *   would bounce back and forth at once, a redirect storm.
 * - Otherwise, a client that names us while we know no leader had us as its leader, and we
 *   lost our quorum (§6.2): redirected at once.
 */
export const atNonLeader = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  const timing = state.config.timing
  if (cutOff(state)) return park(state, request, now + timing.cutOffParkLimit)
  if (state.leader === BROADCAST && request.leader === state.config.self) {
    redirect(state, request.src, request.MID, out)
    return state
  }
  const leaderUnknownOrDead = state.leader === BROADCAST || request.leader === state.leader
  if (leaderUnknownOrDead) return park(state, request, now + timing.parkLimit)
  redirect(state, request.src, request.MID, out)
  return state
}

/** A leader spoke (or we became one): answer what was parked by pointing at it. */
export const releaseParked = (state: RaftState, out: Outputs): RaftState => {
  if (state.parked.length === 0) return state
  for (const { request } of state.parked) redirect(state, request.src, request.MID, out)
  return stateWith(state, { parked: [] })
}

export const expireParked = (state: RaftState, now: number, out: Outputs): RaftState => {
  if (!state.parked.some((parked) => parked.until <= now)) return state
  const kept = state.parked.filter((parked) => {
    if (parked.until > now) return true
    redirect(state, parked.request.src, parked.request.MID, out)
    return false
  })
  return stateWith(state, { parked: kept })
}
