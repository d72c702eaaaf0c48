/** Datagrams the decoder must turn away: not JSON, not an object, ill-typed, of no known type, or too big. */
import type { RandomStream } from "../domain/randomStream.ts"
import { MAX_DATAGRAM_BYTES } from "../domain/wire/decode.ts"
import type { FuzzCluster } from "./cluster.ts"
import type { Hostile } from "./categories.ts"
import { anyMessage, anyReplica, pickOf, raw, toText } from "./hostileMaterial.ts"

const WRONG_BY_FIELD: Record<string, ReadonlyArray<unknown>> = {
  id: [7, null, "", "00g1", "ffff", "12345", "000", " 001", {}, ["0001"]],
  string: [7, null, true, {}, []],
  int: [-1, 0.5, "3", null, true, 2 ** 53, raw("huge"), {}, []],
  boolean: [0, 1, "true", null, []],
  number: ["now", null, true, {}, []],
  entries: [{}, "[]", null, 5, [null], [{ t: -1 }], [{ t: "1" }], [{ t: 1, k: 5 }], [{ t: 1, c: "xyz" }], [{ k: "a" }], [{ t: 1.5 }]],
  pairs: [{}, "[]", null, 5, [null], [["k"]], [["k", "v", "w"]], [["k", 5]], [[5, "v"]], [{ k: "v" }], ["k", "v"]],
  mids: [{}, "[]", null, 5, [null], [5], [["m"]], [{}], "m"]
}

const kindOf = (field: string): keyof typeof WRONG_BY_FIELD | undefined => {
  if (field === "src" || field === "dst" || field === "leader") return "id"
  if (field === "MID" || field === "key" || field === "value") return "string"
  if (field === "pre" || field === "granted" || field === "success" || field === "ack" || field === "done") return "boolean"
  if (field === "at") return "number"
  if (field === "entries" || field === "pairs" || field === "mids") return field
  if (field === "type") return undefined
  return "int"
}

export const wrongFieldTypes = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, json } = anyMessage(cluster, random)
  const field = pickOf(random, Object.keys(json).filter((f) => f !== "type"))
  const kind = kindOf(field)
  if (kind === undefined || random.float() < 0.2) delete json[field]
  else json[field] = pickOf(random, WRONG_BY_FIELD[kind] ?? [])
  return { to, bytes: toText(json) }
}

const UNKNOWN_TYPES: ReadonlyArray<unknown> = ["bogus", "", "APPEND", "append ", " vote", "Hello", "votes", "appendEntries", "ack", "replicate", "get\u0000", 42, null, true, {}, []]

export const unknownType = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, json } = anyMessage(cluster, random)
  if (random.float() < 0.1) delete json["type"]
  else json["type"] = pickOf(random, UNKNOWN_TYPES)
  return { to, bytes: toText(json) }
}

const NOT_OBJECTS: ReadonlyArray<unknown> = [0, -1, 3.5, 1e300, "text", "", "{\"type\":\"vote\"}", null, true, false, [], [1, 2], [[]], [{}]]

export const notAnObject = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, json } = anyMessage(cluster, random)
  const value = random.float() < 0.2 ? [json] : pickOf(random, NOT_OBJECTS)
  return { to, bytes: JSON.stringify(value) }
}

const utf8 = new TextEncoder()

export const badJson = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, json } = anyMessage(cluster, random)
  const text = JSON.stringify(json)
  switch (random.int(6)) {
    case 0:
      // A proper prefix of an object's text never parses.
      return { to, bytes: text.slice(0, random.int(text.length)) }
    case 1: {
      const bytes = new Uint8Array(random.int(64))
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256)
      return { to, bytes }
    }
    case 2: {
      // Invalid UTF-8 inside an otherwise valid message: a lone continuation byte, an overlong lead, 0xFF.
      const bytes = utf8.encode(text)
      const at = 1 + random.int(bytes.length - 2)
      const spliced = new Uint8Array(bytes.length + 1)
      spliced.set(bytes.subarray(0, at))
      spliced[at] = pickOf(random, [0x80, 0xc0, 0xff, 0xfe])
      spliced.set(bytes.subarray(at), at + 1)
      return { to, bytes: spliced }
    }
    case 3:
      return { to, bytes: text + pickOf(random, ["x", "}", ",", " {", "\u0000", "]"]) }
    case 4:
      // JavaScript that is not JSON: single quotes, a trailing comma, NaN, a comment, a bare key.
      return { to, bytes: pickOf(random, [text.replace(/"/g, "'"), text.replace(/}$/, ",}"), text.replace(/}$/, ',"n":NaN}'), `/* hi */${text}`, text.replace(/"src"/, "src")]) }
    default:
      return { to, bytes: pickOf(random, ["", " ", "{", "}", "[", "\"", "nul", "tru", "{\"src\":", "{{}}", "undefined"]) }
  }
}

/**
 * Oversized datagrams: the decoder measures bytes, not characters, so multi-byte padding is
 * among them. Built once: past the limit the contents do not matter, and building megabytes
 * per datagram would make the run about string copying.
 */
const OVERSIZED: ReadonlyArray<Uint8Array> = [
  { value: "a".repeat(MAX_DATAGRAM_BYTES + 1), after: "" },
  { value: "a".repeat(MAX_DATAGRAM_BYTES + 4_000), after: "" },
  { value: "é".repeat((MAX_DATAGRAM_BYTES >> 1) + 1), after: "" },
  { value: "€".repeat(Math.ceil(MAX_DATAGRAM_BYTES / 3) + 1), after: "" },
  { value: "", after: " ".repeat(MAX_DATAGRAM_BYTES) }
].map(({ value, after }) => utf8.encode(JSON.stringify({ src: "0015", dst: "0000", leader: "FFFF", type: "put", MID: "big", key: "k", value }) + after))

export const oversized = (_: FuzzCluster, random: RandomStream): Hostile => ({ to: anyReplica(random), bytes: pickOf(random, OVERSIZED) })
