import { BROADCAST, type NodeId } from "../ids.ts"
import type { ClientRequest } from "../wire/messages.ts"
import { send, type Outputs } from "./outputs.ts"
import { stateWith, type RaftState } from "./state.ts"

export const redirect = (state: RaftState, client: NodeId, mid: string, out: Outputs): void => {
  out.push(send({ src: state.config.self, dst: client, leader: state.leader, type: "redirect", MID: mid }))
}

/**
 * A client request at a replica that is not the leader. With a live leader known, redirect.
 * Otherwise hold the request (parked) until a leader speaks, bounded by `parkLimit`: an
 * immediate redirect would only send the client, which retries at once, bouncing between
 * replicas for the whole election (hundreds of thousands of redirects in a virtual run).
 * We suspect our leader is dead when a client names it yet asks us: the harness sends a
 * client elsewhere only when it knows its leader is dead.
 *
 * A client that names us while we know no leader had us as its leader: we lost our quorum
 * and stepped down (§6.2), most likely cut off in a minority, where no leader will speak
 * until the partition heals. Parking would hold it there for `parkLimit`; a redirect naming
 * no one sends it to a random replica, likelier on the majority side. No ping-pong: naming
 * no one, it is parked if it comes back.
 */
export const atNonLeader = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  if (state.leader === BROADCAST && request.leader === state.config.self) {
    redirect(state, request.src, request.MID, out)
    return state
  }
  const leaderUnknownOrDead = state.leader === BROADCAST || request.leader === state.leader
  if (leaderUnknownOrDead) {
    return stateWith(state, { parked: [...state.parked, { request, until: now + state.config.timing.parkLimit }] })
  }
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
