import { BROADCAST, type NodeId } from "../ids.ts"
import type { ClientRequest } from "../wire/messages.ts"
import { envelope } from "./envelope.ts"
import { send, type Outputs } from "./outputs.ts"
import type { RaftState } from "./state.ts"

export const redirect = (state: RaftState, client: NodeId, mid: string, out: Outputs): void => {
  out.push(send({ ...envelope(state, client), type: "redirect", MID: mid }))
}

/**
 * A client request at a replica that is not the leader. The harness sends a client to a
 * replica other than the leader it last heard of only when it knows that leader is dead;
 * so a request naming our own leader while addressed to us says the leader is gone, and a
 * redirect would only bounce the client back to us. Such requests wait (parked) until a
 * leader speaks up — or, bounded by `parkLimit`, until we give up and redirect anyway.
 */
export const atNonLeader = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  const suspectsDeadLeader = state.leader !== BROADCAST && request.leader === state.leader
  if (suspectsDeadLeader) {
    return { ...state, parked: [...state.parked, { request, until: now + state.config.timing.parkLimit }] }
  }
  redirect(state, request.src, request.MID, out)
  return state
}

/** A leader spoke (or we became one): answer what was parked by pointing at it. */
export const releaseParked = (state: RaftState, out: Outputs): RaftState => {
  if (state.parked.length === 0) return state
  for (const { request } of state.parked) redirect(state, request.src, request.MID, out)
  return { ...state, parked: [] }
}

export const expireParked = (state: RaftState, now: number, out: Outputs): RaftState => {
  if (!state.parked.some((parked) => parked.until <= now)) return state
  const kept = state.parked.filter((parked) => {
    if (parked.until > now) return true
    redirect(state, parked.request.src, parked.request.MID, out)
    return false
  })
  return { ...state, parked: kept }
}
