import { BROADCAST, type NodeId } from "../../ids.ts"
import type { ClientRequest } from "../../wire/messages.ts"
import { send, type Outputs } from "../outputs.ts"
import { probeLeader } from "./probing.ts"
import { majority } from "../structures/quorum.ts"
import { clusterSize, stateWith, type RaftState } from "../state.ts"

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

/**
 * The most requests a replica holds. The harness sends at most a few dozen requests a second,
 * and none is held longer than `parkLimit` (3 s), so an honest run holds far fewer; past this,
 * a flood (or a harness gone wrong) gets its redirect at once instead of growing the list, which
 * is copied whenever it changes.
 */
export const MAX_PARKED = 1024

const park = (state: RaftState, request: ClientRequest, until: number, out: Outputs): RaftState => {
  if (state.parked.length >= MAX_PARKED) {
    redirect(state, request.src, request.MID, out)
    return state
  }
  return stateWith(state, { parked: [...state.parked, { request, until }] })
}

/**
 * A client request at a replica that is not the leader. It is sent on to our leader only once
 * that leader has been heard from after the request arrived: until then it is held (parked,
 * bounded by `parkLimit`), and a probe asks the leader to show it is alive (probing.ts). The
 * harness's client retries at once on a redirect, and one whose leader died names no leader
 * when it asks us, so the request cannot tell us whether ours still lives. A redirect to a dead
 * leader sends the client to a random replica, which sends it to the dead leader again: a storm
 * of redirects for the whole election. A probe costs at most two messages an episode (plus
 * re-asks when one is lost) and one round trip for the few requests that reach a follower. A
 * dead leader never answers, so its clients wait for the next one, who releases them by
 * speaking (replication.ts, roles.ts) or serves them on being elected (leader.ts). The price:
 * where it is we who are cut off from a live leader, its clients wait here although it could
 * serve them. With no leader known, requests are held likewise until one speaks.
 *
 * A replica that knows no leader will speak to it soon sends the client on sooner: a redirect
 * naming no one sends it to a random replica, likelier on the majority side.
 * - Whose canvass found it cut off: it parks the client for `cutOffParkLimit` only. Not at
 *   once: where every replica is cut off (flapping partitions, heavy loss), clients would
 *   bounce between them at once, a redirect storm.
 * - Otherwise, a client that names us while we know no leader had us as its leader, and we
 *   lost our quorum (§6.2): redirected at once.
 */
export const atNonLeader = (state: RaftState, request: ClientRequest, now: number, out: Outputs): RaftState => {
  const timing = state.config.timing
  if (cutOff(state)) return park(state, request, now + timing.cutOffParkLimit, out)
  if (state.leader === BROADCAST && request.leader === state.config.self) {
    redirect(state, request.src, request.MID, out)
    return state
  }
  const parked = park(state, request, now + timing.parkLimit, out)
  return state.leader === BROADCAST ? parked : probeLeader(parked, now, out)
}

/** A leader spoke (or we became one): answer what was parked by pointing at it. */
export const releaseParked = <S extends RaftState>(state: S, out: Outputs): S => {
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
