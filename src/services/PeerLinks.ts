import { Context, type Effect, type Scope } from "effect"
import { ReasonError } from "../domain/reasonError.ts"
import type { NodeId } from "../domain/ids.ts"

/**
 * A node's authenticated links to the other nodes of its cluster: a payload goes to one named
 * peer, and a payload comes from one known peer. Below Transport (which routes by `dst`), so
 * that what sits between the two, such as link cuts, sees each peer's copy of a broadcast and
 * each datagram's proven sender.
 */
export class PeerLinks extends Context.Tag("PeerLinks")<
  PeerLinks,
  {
    readonly self: NodeId
    /** Every other node of the cluster, in the cluster file's order. */
    readonly peers: ReadonlyArray<NodeId>
    /** Sends `payload` to `to`, one of `peers`; fire and forget, as UDP. */
    readonly send: (to: NodeId, payload: Uint8Array) => void
    /**
     * Hands every payload that passed authentication to `deliver`, with its sender, until the
     * scope closes. A push, as Transport's listen, for the same reason.
     */
    readonly listen: (
      deliver: (from: NodeId, payload: Uint8Array) => void
    ) => Effect.Effect<void, never, Scope.Scope>
  }
>() {}

/** Why a node's links could not be set up: it is not in the cluster file, a name did not resolve, the bind failed. */
export class PeerLinksError extends ReasonError("PeerLinksError") {}
