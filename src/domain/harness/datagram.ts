import { isNodeId, type NodeId } from "../ids.ts"

/** Why a replica's datagram was counted as incorrect. */
export type IncorrectReason =
  | "not-json"
  | "not-an-object"
  | "bad-envelope"
  | "unknown-dst"
  | "bad-response"
  | "unexpected-mid"
  | "wrong-value"

/** A replica datagram whose envelope is valid; the rest of the object is only routed or read by clients. */
export interface ReplicaDatagram {
  readonly src: NodeId
  readonly dst: NodeId
  readonly leader: NodeId
  readonly type: string
  readonly body: Readonly<Record<string, unknown>>
}

export type ParsedDatagram =
  | { readonly _tag: "Valid"; readonly datagram: ReplicaDatagram }
  | { readonly _tag: "Invalid"; readonly reason: IncorrectReason }


const invalid = (reason: IncorrectReason): ParsedDatagram => ({ _tag: "Invalid", reason })

/**
 * Parses a replica's datagram once, on the latency path of every hop: a hand-written check of
 * the four envelope fields rather than a Schema decode, since the harness never looks further
 * into replica-to-replica traffic and forwards the original text unchanged.
 */
export const parseDatagram = (text: string): ParsedDatagram => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return invalid("not-json")
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return invalid("not-an-object")
  const body = json as Record<string, unknown>
  const { src, dst, leader, type } = body
  if (!isNodeId(src) || !isNodeId(dst) || !isNodeId(leader) || typeof type !== "string") return invalid("bad-envelope")
  return { _tag: "Valid", datagram: { src, dst, leader, type, body } }
}
