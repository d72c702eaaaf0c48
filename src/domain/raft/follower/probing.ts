import type { Probe } from "../../wire/messages.ts"
import { sendAppend } from "../leader/appendTo.ts"
import { backedOff, firstBackoff } from "../structures/backoff.ts"
import { send, type Outputs } from "../outputs.ts"
import { stateWith, type RaftState } from "../state.ts"

/**
 * Four more asks after the first: a probe and its answer both cross 49% of the time at 30%
 * drops, so all five round trips fail about 3.5% of the time (0.2% at 15%), and only then does
 * a client wait for the next heartbeat. A leader that answers none is dead or out of reach, and
 * asking it on would cost messages for nothing.
 */
const ASKS_AFTER_FIRST = 4

const ask = (state: RaftState, out: Outputs): void => {
  out.push(send({ src: state.config.self, dst: state.leader, leader: state.leader, type: "probe", term: state.term }))
}

/** Asks the leader to show it is alive, unless this follower is asking it already (parking.ts). */
export const probeLeader = (state: RaftState, now: number, out: Outputs): RaftState => {
  if (state.probe !== undefined) return state
  ask(state, out)
  return stateWith(state, { probe: firstBackoff(now, state.config.timing.retransmit, ASKS_AFTER_FIRST) })
}

/**
 * Asks again, backing off by doubling, while requests are held for the leader: the probe or its
 * answer was lost, or the leader is dead.
 */
export const probeAgain = (state: RaftState, now: number, out: Outputs): RaftState => {
  const probe = state.probe
  if (probe === undefined || now < probe.askAgainAt) return state
  if (state.parked.length === 0) return stateWith(state, { probe: undefined })
  ask(state, out)
  return stateWith(state, { probe: backedOff(probe, now) })
}

/**
 * A leader answers a probe of its term or an older one at once, with an append: that shows the
 * prober it is alive, and teaches a stale one the newer term and who leads it. Anyone else
 * has nothing to show.
 */
export const answerProbe = (state: RaftState, probe: Probe, now: number, out: Outputs): RaftState =>
  state.role === "leader" ? sendAppend(state, probe.src, now, false, out) : state
