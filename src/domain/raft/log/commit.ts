import { entryAt } from "./log.ts"
import { send, type Outputs } from "../outputs.ts"
import { applyEntry } from "./stateMachine.ts"
import { stateWith, type RaftState } from "../state.ts"

/**
 * Advances the commit index and applies the newly committed entries in order. A leader
 * answers the puts it appended in its current term — exactly those whose clients are still
 * waiting on it; entries from earlier terms are answered by the deposed leader that appended
 * them, once it learns their fate (undecided.ts).
 */
export const commitTo = <S extends RaftState>(state: S, index: number, out: Outputs): S => {
  if (index <= state.commitIndex) return state
  let machine = state.machine
  const answering = state.role === "leader"
  for (let i = state.commitIndex + 1; i <= index; i++) {
    const entry = entryAt(state.log, i)
    if (entry === undefined) continue
    machine = applyEntry(machine, entry)
    if (answering && entry.term === state.term && entry.client !== undefined && entry.MID !== undefined) {
      out.push(send({ src: state.config.self, dst: entry.client, leader: state.leader, type: "ok", MID: entry.MID }))
    }
  }
  return stateWith(state, { commitIndex: index, machine })
}
