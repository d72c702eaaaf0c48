import type { Install } from "../../wire/messages.ts"
import { compactTo } from "../log/log.ts"
import { log, send, type Outputs } from "../outputs.ts"
import { heardFromLeader } from "./replication.ts"
import { addChunk, imageOf, isPartOf, startIncoming, type IncomingSnapshot } from "../log/snapshot.ts"
import { stateWith, type RaftState } from "../state.ts"

const answer = (state: RaftState, request: Install, offset: number, done: boolean, out: Outputs): void => {
  const { lastIndex, at } = request
  out.push(send({
    src: state.config.self,
    dst: request.src,
    leader: state.leader,
    type: "installed",
    term: state.term,
    lastIndex,
    offset,
    done,
    at
  }))
}

/** A stale leader learns our newer term from the answer and steps down (§5.1). */
export const rejectStaleInstall = (state: RaftState, request: Install, out: Outputs): void =>
  answer(state, request, 0, false, out)

/**
 * §7: the snapshot replaces the state machine and the prefix of the log it covers. It holds
 * only committed entries, so it is committed here too.
 */
const install = (state: RaftState, snapshot: IncomingSnapshot): RaftState =>
  stateWith(state, {
    log: compactTo(state.log, snapshot.lastIndex, snapshot.lastTerm),
    commitIndex: snapshot.lastIndex,
    machine: snapshot.machine,
    snapshot: imageOf(snapshot.machine),
    checkpoint: { index: snapshot.lastIndex, term: snapshot.lastTerm, machine: snapshot.machine },
    incoming: undefined
  })

/**
 * Does the snapshot lack a key this replica has applied? The store only ever adds keys (the
 * harness has puts, no deletes), so a snapshot past our commit index holds every key we hold:
 * one that does not contradicts what we know is committed, and can only be corrupted or
 * forged. A wrong value for a key it cannot catch; only authenticating peers can (cluster
 * mode). A store with deletes would need them kept as tombstones for this to hold.
 */
const contradicts = (state: RaftState, snapshot: IncomingSnapshot): string | undefined =>
  state.machine.data.keys().find((key) => !snapshot.machine.data.has(key))

/**
 * InstallSnapshot at a follower of the sender's term (§7). Chunks are taken strictly in order:
 * one that does not continue the snapshot being received is answered with the offset this
 * follower needs, except a first chunk of another snapshot, which starts that one instead.
 * A snapshot that ends at or before our commit index changes nothing: committed state is never
 * rolled back, so a stale or duplicated install cannot undo entries applied since; the answer
 * tells the leader we hold all of it. One that contradicts our committed state is refused.
 */
export const onInstall = (state: RaftState, request: Install, now: number, random: number, out: Outputs): RaftState => {
  const heard = heardFromLeader(state, request.src, now, random, out)
  if (request.lastIndex <= heard.commitIndex) {
    answer(heard, request, request.offset, true, out)
    return heard
  }
  const incoming = isPartOf(request, heard.incoming) ? heard.incoming : request.offset === 0 ? startIncoming(request) : undefined
  if (incoming === undefined || incoming.offset !== request.offset) {
    answer(heard, request, incoming?.offset ?? 0, false, out)
    return heard
  }
  const received = addChunk(incoming, request)
  if (!request.done) {
    answer(heard, request, received.offset, false, out)
    return stateWith(heard, { incoming: received })
  }
  const missing = contradicts(heard, received)
  if (missing !== undefined) {
    out.push(log("warning", "contradicting-snapshot", `install from ${request.src} at ${request.lastIndex} lacks committed key ${missing.slice(0, 64)}; refused`))
    answer(heard, request, 0, false, out)
    return stateWith(heard, { incoming: undefined })
  }
  const installed = install(heard, received)
  answer(installed, request, received.offset, true, out)
  return installed
}

/** A half-received snapshot is of use only while its sender leads us and it is ahead of our commit index. */
export const forgetStaleIncoming = (state: RaftState): RaftState =>
  state.incoming === undefined ||
  (state.role === "follower" && state.term === state.incoming.term && state.commitIndex < state.incoming.lastIndex)
    ? state
    : stateWith(state, { incoming: undefined })
