import { BROADCAST, type NodeId } from "../ids.ts"
import { entryAt, lastIndex } from "./log.ts"
import { redirect, releaseParked } from "./clients.ts"
import { log, type Outputs } from "./outputs.ts"
import type { RaftState } from "./state.ts"
import { electionDeadline } from "./timing.ts"

/**
 * Becomes (or stays) a follower in `term`, believing in `leader` (BROADCAST: unknown).
 * A leader stepping down answers every client still waiting on it with a redirect, so no
 * request hangs and none is answered twice: entries it appended may still commit under
 * the next leader, but that leader answers only its own term's entries.
 */
export const becomeFollower = (
  state: RaftState,
  term: number,
  leader: NodeId,
  now: number,
  random: number,
  out: Outputs
): RaftState => {
  const wasLeader = state.leaderState
  const next: RaftState = {
    ...state,
    role: "follower",
    votedFor: term === state.term ? state.votedFor : undefined,
    term,
    leader,
    votes: new Set(),
    canvass: undefined,
    leaderState: undefined,
    electionDeadline: electionDeadline(state.config.timing, now, random)
  }
  if (wasLeader !== undefined) {
    out.push(log("info", "role", `term ${state.term}: leader ${state.config.self} steps down (term ${term})`))
    for (let i = state.commitIndex + 1; i <= lastIndex(state.log); i++) {
      const entry = entryAt(state.log, i)
      if (entry?.t === state.term && entry.c !== undefined && entry.m !== undefined) redirect(next, entry.c, entry.m, out)
    }
    for (const { request } of wasLeader.reads) redirect(next, request.src, request.MID, out)
  }
  return leader === BROADCAST ? next : releaseParked(next, out)
}
