import type { NodeId } from "../domain/ids.ts"
import { canServeReads } from "../domain/raft/leader/leaseReads.ts"
import type { RaftState } from "../domain/raft/state.ts"

/** A leader that still trusted its read lease while a later term's leader existed. */
export interface LeaseViolation {
  readonly invariant: "lease-safety"
  readonly replica: NodeId
  readonly detail: string
}

/**
 * The lease's promise (thesis §6.4.1): while a leader may answer reads alone, no other leader
 * exists, so every acknowledged write is in its state. Each leader's lease is judged on its own
 * clock (`localNow`), as the leader judges it, since that is what decides its reads; a stale
 * read needs a client to ask at the wrong moment, the overlap itself does not. The domain's
 * invariants cannot see this: it needs each replica's clock, which only the simulation knows.
 */
export const leaseOverlap = (
  states: ReadonlyMap<NodeId, RaftState>,
  localNow: (replica: NodeId) => number
): LeaseViolation | undefined => {
  const leaders = [...states].filter((entry): entry is [NodeId, RaftState<"leader">] => entry[1].role === "leader")
  if (leaders.length < 2) return undefined
  for (const [id, state] of leaders) {
    const newer = leaders.find(([, other]) => other.term > state.term)
    if (newer !== undefined && canServeReads(state, localNow(id))) {
      return {
        invariant: "lease-safety",
        replica: id,
        detail: `${id} still holds its read lease for term ${state.term} while ${newer[0]} leads term ${newer[1].term}`
      }
    }
  }
  return undefined
}
