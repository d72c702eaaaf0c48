import { lastIndex, termAt } from "../log/log.ts"
import { send, type Outputs } from "../outputs.ts"
import { hasApplied } from "../log/stateMachine.ts"
import { stateWith, type RaftState, type Undecided } from "../state.ts"

type Fate = "committed" | "lost" | "unknown"

/**
 * What became of a put this replica appended as a deposed leader. Committed: its index is
 * committed and holds it (or, compacted away, its MID was applied). Lost: its index holds an
 * entry of another term, or the log no longer reaches it; only its own leader ever wrote an
 * entry of its term at its index, so once gone it never comes back.
 */
const fate = (state: RaftState, put: Undecided): Fate => {
  const term = termAt(state.log, put.index)
  if (put.index <= state.commitIndex) {
    const ours = term === undefined ? hasApplied(state.machine, put.client, put.MID) : term === put.term
    return ours ? "committed" : "lost"
  }
  if (put.index > lastIndex(state.log) || (term !== undefined && term !== put.term)) return "lost"
  return "unknown"
}

/** Answers each undecided put whose fate is now known, exactly once: `ok` or `redirect`. */
export const settleUndecided = (state: RaftState, out: Outputs): RaftState => {
  if (state.undecided.length === 0) return state
  const still: Array<Undecided> = []
  for (const put of state.undecided) {
    const known = fate(state, put)
    if (known === "unknown") still.push(put)
    else out.push(send({
      src: state.config.self,
      dst: put.client,
      leader: state.leader,
      type: known === "committed" ? "ok" : "redirect",
      MID: put.MID
    }))
  }
  return still.length === state.undecided.length ? state : stateWith(state, { undecided: still })
}
