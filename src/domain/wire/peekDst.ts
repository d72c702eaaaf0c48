import { isNodeId, type NodeId } from "../ids.ts"

const DST_FIELD = '"dst":"'
const QUOTE = 0x22

/**
 * The `dst` of an outgoing datagram, for routing it, without parsing the whole of it: every send
 * between peers asks, and a large append is tens of KB of JSON. The encoder (JSON.stringify)
 * writes `"dst":"XXXX"` with no spaces, and that text cannot occur inside a JSON string (its
 * quotes would be escaped); no message nests an object with a `dst` of its own. When the text is
 * not there, as written by hand, the datagram is parsed after all. Undefined when it has no
 * well-formed `dst`.
 */
export const peekDst = (datagram: string): NodeId | undefined => {
  const at = datagram.indexOf(DST_FIELD)
  if (at >= 0) {
    const start = at + DST_FIELD.length
    const dst = datagram.slice(start, start + 4)
    if (datagram.charCodeAt(start + 4) === QUOTE && isNodeId(dst)) return dst
  }
  return parsedDst(datagram)
}

const parsedDst = (datagram: string): NodeId | undefined => {
  let json: unknown
  try {
    json = JSON.parse(datagram)
  } catch {
    return undefined
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const dst = (json as Record<string, unknown>)["dst"]
  return isNodeId(dst) ? dst : undefined
}
