import type { NodeId } from "../../ids.ts"
import type { Append } from "../../wire/messages.ts"
import { releaseParked } from "./parking.ts"
import { commitTo } from "../log/commit.ts"
import { firstConflict, firstIndexOfTerm, lastIndex, merge, termAt } from "../log/log.ts"
import { log, send, type Outputs } from "../outputs.ts"
import { stateWith, type RaftState } from "../state.ts"
import { electionDeadline } from "../timing.ts"

type Answer = { readonly success: boolean; readonly match: number; readonly conflictIndex: number; readonly conflictTerm: number }

const answer = (state: RaftState, request: Append, result: Answer, out: Outputs): void => {
  const { success, match, conflictIndex, conflictTerm } = result
  out.push(send({
    src: state.config.self,
    dst: request.src,
    leader: state.leader,
    type: "appended",
    term: state.term,
    at: request.at,
    success,
    match,
    conflictIndex,
    conflictTerm
  }))
}

/** A stale leader learns our newer term from the rejection and steps down (§5.1). */
export const rejectStale = (state: RaftState, request: Append, out: Outputs): void =>
  answer(state, request, { success: false, match: 0, conflictIndex: 0, conflictTerm: 0 }, out)

/** The leader of our term spoke: it is alive, so the election timer restarts, parked clients go to it and probing it ends. */
export const heardFromLeader = (state: RaftState, leader: NodeId, now: number, random: number, out: Outputs): RaftState =>
  releaseParked(
    stateWith(state, {
      leader,
      leaderContactAt: now,
      electionDeadline: electionDeadline(state.config.timing, now, random),
      probe: undefined
    }),
    out
  )

/**
 * The part of an append that is past our snapshot. Entries up to `base` are committed here,
 * so the leader holds the same ones (§5.4) and they match without a check; an append that
 * starts inside the snapshot (the leader's ack was lost, or it arrived late) is not a conflict.
 */
const withinLog = (state: RaftState, request: Append): Pick<Append, "prevIndex" | "prevTerm" | "entries"> => {
  const { base, baseTerm } = state.log
  if (request.prevIndex >= base) return request
  return { prevIndex: base, prevTerm: baseTerm, entries: request.entries.slice(base - request.prevIndex) }
}

/**
 * AppendEntries at a follower of the sender's term (§5.3). The consistency check on
 * (prevIndex, prevTerm) gives Log Matching; a rejection says where our log diverges so the
 * leader can skip back a whole term.
 * Success is acknowledged when entries arrived or the leader asked; bare heartbeats are silent.
 */
export const onAppend = (state: RaftState, request: Append, now: number, random: number, out: Outputs): RaftState => {
  const heard = heardFromLeader(state, request.src, now, random, out)
  const { prevIndex, prevTerm, entries } = withinLog(heard, request)
  const localTerm = termAt(heard.log, prevIndex)
  if (localTerm === undefined) {
    answer(heard, request, { success: false, match: 0, conflictIndex: lastIndex(heard.log) + 1, conflictTerm: 0 }, out)
    return heard
  }
  if (localTerm !== prevTerm) {
    const conflictIndex = firstIndexOfTerm(heard.log, localTerm, prevIndex)
    answer(heard, request, { success: false, match: 0, conflictIndex, conflictTerm: localTerm }, out)
    return heard
  }
  const conflict = firstConflict(heard.log, prevIndex, entries)
  if (conflict !== undefined && conflict <= heard.commitIndex) {
    // Leader Completeness (§5.4) says no leader of our term lacks a committed entry, so this
    // append is a lie or a bug; applying it would take back what clients were told was done.
    const text = `append from ${request.src} (term ${request.term}) would overwrite committed entry ${conflict}; dropped`
    out.push(log("warning", "append-rewrites-committed", text))
    return heard
  }
  const match = prevIndex + entries.length
  const merged = commitTo(stateWith(heard, { log: merge(heard.log, prevIndex, entries) }), Math.min(request.commit, match), out)
  if (request.entries.length > 0 || request.ack) {
    answer(merged, request, { success: true, match, conflictIndex: 0, conflictTerm: 0 }, out)
  }
  return merged
}
