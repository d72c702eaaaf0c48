import { Schema } from "effect"

/** A replica or client id on the wire: four uppercase hex digits. */
const NODE_ID = /^[0-9A-F]{4}$/

export const NodeId = Schema.String.pipe(Schema.pattern(NODE_ID), Schema.brand("NodeId"))
export type NodeId = typeof NodeId.Type

/** `dst` for a broadcast, `leader` when no leader is known. */
export const BROADCAST = "FFFF" as NodeId

/** The harness numbers replicas 0..N-1 in 4-digit hex. */
export const replicaId = (index: number): NodeId =>
  index.toString(16).toUpperCase().padStart(4, "0") as NodeId

/** Clients get ids from N+16 upward, so they never collide with replicas. */
export const clientId = (replicas: number, index: number): NodeId => replicaId(replicas + 16 + index)

/** The same test as the Schema's, by hand: the decoders' hot paths call it on every datagram. */
export const isNodeId = (value: unknown): value is NodeId => typeof value === "string" && NODE_ID.test(value)
