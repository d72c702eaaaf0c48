import { BROADCAST, type NodeId } from "../../ids.ts"
import { entryAt, lastIndex } from "../log/log.ts"
import { redirect, releaseParked } from "./parking.ts"
import { log, type Outputs } from "../outputs.ts"
import { stateWith, toFollower, type RaftState, type Undecided } from "../state.ts"
import { electionDeadline } from "../timing.ts"

/**
 * Becomes (or stays) a follower in `term`, believing in `leader` (BROADCAST: unknown).
 * A leader stepping down redirects at once the reads waiting on it (a retry of a read is
 * harmless) and the puts it held out of its log (never appended, they cannot apply twice).
 * It keeps the puts it appended but has not committed as `undecided`: they may
 * still commit under the next leader, which answers only its own term's entries, so this
 * replica answers them itself once their fate is known (`settleUndecided`).
 */
export const becomeFollower = (
  state: RaftState,
  term: number,
  leader: NodeId,
  now: number,
  random: number,
  out: Outputs
): RaftState<"follower"> => {
  const next = toFollower(state, {
    votedFor: term === state.term ? state.votedFor : undefined,
    term,
    leader,
    votes: new Set(),
    probe: undefined,
    electionDeadline: electionDeadline(state.config.timing, now, random)
  })
  if (state.role === "leader") {
    out.push(log("info", "role", `term ${state.term}: leader ${state.config.self} steps down (term ${term})`))
    const undecided: Array<Undecided> = [...state.undecided]
    for (let index = state.commitIndex + 1; index <= lastIndex(state.log); index++) {
      const entry = entryAt(state.log, index)
      if (entry?.term === state.term && entry.client !== undefined && entry.MID !== undefined) {
        undecided.push({ index, term: entry.term, client: entry.client, MID: entry.MID })
      }
    }
    for (const { request } of state.leaderState.reads) redirect(next, request.src, request.MID, out)
    for (const put of state.leaderState.held) redirect(next, put.src, put.MID, out)
    const deposed = stateWith(next, { undecided })
    return leader === BROADCAST ? deposed : releaseParked(deposed, out)
  }
  return leader === BROADCAST ? next : releaseParked(next, out)
}
