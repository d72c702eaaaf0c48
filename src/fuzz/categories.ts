import type { RandomStream } from "../domain/randomStream.ts"
import type { NodeId } from "../domain/ids.ts"
import { forged, mutatedBenign, replayedReplica } from "./accepted.ts"
import type { FuzzCluster } from "./cluster.ts"
import { badJson, notAnObject, oversized, unknownType, wrongFieldTypes } from "./malformed.ts"
import { clientAsReplica, foreignId, replayedClient, staleTerm, wrongDirection } from "./refused.ts"

/**
 * What a category of hostile datagram may do to the replica it reaches:
 * - rejected: never gets past the decoder;
 * - unchanged: decodes, but the step returns the very same state and sends nothing (a second
 *   answer to a replayed MID is a second response to one request);
 * - refused: decodes, the state stays the same, and all that goes out is a refusal back to the
 *   sender naming the replica's newer term, so that a stale leader or candidate learns it (§5.1);
 * - safe: within Raft's fault model (duplicated, delayed, reordered or oddly formed but honest
 *   traffic): the new state stands and every invariant, the cluster's and each replica's,
 *   must hold at every step for the rest of the run;
 * - robust: a peer lying (outside Raft's fault model), told to a second cluster that hears
 *   nothing else hostile: the new state stands too, and each replica must keep its own
 *   invariants at every step from then on. The cluster's invariants can fall to a lie with no
 *   replica at fault (nothing on the wire is authenticated): that is counted apart, as what
 *   the lies achieved.
 */
export type Expectation = "rejected" | "unchanged" | "refused" | "safe" | "robust"

export interface Hostile {
  readonly to: NodeId
  readonly bytes: string | Uint8Array
}

export interface Category {
  readonly name: string
  readonly expectation: Expectation
  /** Relative frequency. */
  readonly weight: number
  /** A datagram of this category for the cluster as it is now; undefined when none fits yet. */
  readonly make: (cluster: FuzzCluster, random: RandomStream) => Hostile | undefined
}

export const CATEGORIES: ReadonlyArray<Category> = [
  { name: "bad JSON", expectation: "rejected", weight: 4, make: badJson },
  { name: "not an object", expectation: "rejected", weight: 2, make: notAnObject },
  { name: "wrong field types", expectation: "rejected", weight: 6, make: wrongFieldTypes },
  { name: "unknown type", expectation: "rejected", weight: 3, make: unknownType },
  { name: "oversized", expectation: "rejected", weight: 1, make: oversized },
  { name: "id not in cluster", expectation: "unchanged", weight: 4, make: foreignId },
  { name: "client posing as replica", expectation: "unchanged", weight: 3, make: clientAsReplica },
  { name: "reply sent to a replica", expectation: "unchanged", weight: 2, make: wrongDirection },
  { name: "stale term", expectation: "refused", weight: 5, make: staleTerm },
  { name: "replayed client MID", expectation: "unchanged", weight: 4, make: replayedClient },
  { name: "replayed replica message", expectation: "safe", weight: 6, make: replayedReplica },
  { name: "benign mutation", expectation: "safe", weight: 5, make: mutatedBenign },
  { name: "forged by a peer", expectation: "robust", weight: 5, make: forged }
]
