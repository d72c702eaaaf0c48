import { isNodeId, type NodeId } from "../ids.ts"
import { MAX_COUNTER, type Append, type Appended, type Entry, type Get, type Put, type WireMessage } from "./messages.ts"

/**
 * The four messages that carry a put from client to commit (get, put, append, appended),
 * checked by hand against the Schemas in messages.ts, which stay the definition: this returns
 * exactly what the Schema decoder would (a fresh object with only the Schema's fields), or
 * undefined whenever it is not sure, and the Schema decoder then has the last word. A property
 * test holds the two together (test/domain/hotDecode.test.ts).
 *
 * Why: the Schema decoder's interpreter is the replica's largest cost per datagram when the
 * datagram arrives cold, one every few ms between five replicas and the harness on two cores:
 * about half of a follower's time per append, three times on a put's critical path
 * (docs/performance/latency.md). By hand it is a few field reads.
 */
export const decodeHot = (json: object): WireMessage | undefined => {
  const o = json as Record<string, unknown>
  const src = o["src"]
  const dst = o["dst"]
  const leader = o["leader"]
  if (!isNodeId(src) || !isNodeId(dst) || !isNodeId(leader)) return undefined
  switch (o["type"]) {
    case "append":
      return append(o, src, dst, leader)
    case "appended":
      return appended(o, src, dst, leader)
    case "get":
      return typeof o["MID"] === "string" && typeof o["key"] === "string"
        ? ({ src, dst, leader, type: "get", MID: o["MID"], key: o["key"] } satisfies Get)
        : undefined
    case "put":
      return typeof o["MID"] === "string" && typeof o["key"] === "string" && typeof o["value"] === "string"
        ? ({ src, dst, leader, type: "put", MID: o["MID"], key: o["key"], value: o["value"] } satisfies Put)
        : undefined
    default:
      return undefined
  }
}


/** Schema.int() is Number.isSafeInteger; between(0, MAX_COUNTER) bounds it. */
const isIndex = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= MAX_COUNTER

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const append = (o: Record<string, unknown>, src: NodeId, dst: NodeId, leader: NodeId): Append | undefined => {
  const { term, prevIndex, prevTerm, commit, at, ack } = o
  if (!isIndex(term) || !isIndex(prevIndex) || !isIndex(prevTerm) || !isIndex(commit)) return undefined
  if (typeof at !== "number" || !Number.isFinite(at) || typeof ack !== "boolean") return undefined
  const raw = o["entries"]
  if (!Array.isArray(raw)) return undefined
  const entries: Array<Entry> = []
  for (const item of raw) {
    const parsed = entryOf(item)
    if (parsed === undefined) return undefined
    entries.push(parsed)
  }
  return { src, dst, leader, type: "append", term, prevIndex, prevTerm, entries, commit, at, ack }
}

/** An entry's optional string fields: their one-letter names on the wire, and their names here (messages.ts). */
const STRING_FIELDS = [["k", "key"], ["v", "value"], ["m", "MID"]] as const

/** Optional fields appear in the result only when present, as the Schema decoder leaves them. */
const entryOf = (item: unknown): Entry | undefined => {
  if (!isPlainObject(item) || !isIndex(item["t"])) return undefined
  const entry: { term: number; key?: string; value?: string; client?: NodeId; MID?: string } = { term: item["t"] }
  for (const [wire, field] of STRING_FIELDS) {
    if (!(wire in item)) continue
    const value = item[wire]
    if (typeof value !== "string") return undefined
    entry[field] = value
  }
  if ("c" in item) {
    const client = item["c"]
    if (!isNodeId(client)) return undefined
    entry.client = client
  }
  return entry
}

const appended = (o: Record<string, unknown>, src: NodeId, dst: NodeId, leader: NodeId): Appended | undefined => {
  const { term, success, match, conflictIndex, conflictTerm, at } = o
  if (!isIndex(term) || !isIndex(match) || !isIndex(conflictIndex) || !isIndex(conflictTerm)) return undefined
  if (typeof success !== "boolean" || typeof at !== "number" || !Number.isFinite(at)) return undefined
  return { src, dst, leader, type: "appended", term, success, match, conflictIndex, conflictTerm, at }
}
