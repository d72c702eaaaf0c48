import { jsonBytes, UDP_PAYLOAD_BYTES } from "../../wire/datagramSize.ts"
import type { Get } from "../../wire/messages.ts"
import { followers, withLeader } from "./leadership.ts"
import { log, send, type Outputs } from "../outputs.ts"
import { quorumValue } from "../structures/quorum.ts"
import { leaderWith, type RaftState } from "../state.ts"
import { read } from "../log/stateMachine.ts"

/**
 * Thesis §6.4.1: reads need no log round while the lease holds. Followers refuse to vote
 * for `electionMin` after hearing this leader, and `leaseUntil` is measured from the send
 * time of a message a quorum acknowledged, so until it passes no other leader can exist and
 * our applied state includes every acknowledged write. Before this term's no-op commits the
 * leader may not know the latest commit index, so reads wait for it (§8).
 */
const leaseUntil = (state: RaftState<"leader">): number =>
  quorumValue(Number.POSITIVE_INFINITY, followers(state.leaderState).map((p) => p.ackedAt)) + state.config.timing.lease

export const canServeReads = (state: RaftState<"leader">, now: number): boolean =>
  state.commitIndex >= state.leaderState.termStart && now < leaseUntil(state)

/**
 * The value, or `fail` when the answer could not cross in one datagram (a long MID with a
 * value near the largest a put may store): a send over the UDP limit is lost without a trace,
 * and the client would wait for ever.
 */
export const answerRead = (state: RaftState, request: Get, out: Outputs): void => {
  const envelope = { src: state.config.self, dst: request.src, leader: state.leader, MID: request.MID }
  const ok = { ...envelope, type: "ok" as const, value: read(state.machine, request.key) }
  if (jsonBytes(ok) <= UDP_PAYLOAD_BYTES) {
    out.push(send(ok))
    return
  }
  out.push(send({ ...envelope, type: "fail" }))
  out.push(log("warning", "oversized-ok", `get ${request.MID.slice(0, 64)} failed: its answer would not fit one datagram`))
}

export const serveWaitingReads = (state: RaftState<"leader">, now: number, out: Outputs): RaftState<"leader"> => {
  const leader = state.leaderState
  if (leader.reads.length === 0 || !canServeReads(state, now)) return state
  for (const { request } of leader.reads) answerRead(state, request, out)
  return withLeader(state, (l) => leaderWith(l, { reads: [] }))
}
