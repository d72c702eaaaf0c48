/**
 * The edge of the replica: `decodeDatagram` turns bytes into a typed message or says why
 * it dropped them. Anything it rejects never reaches `step`.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeDatagram, encodeMessage, MAX_DATAGRAM_BYTES, type DecodeReason } from "../../src/domain/wire/decode.ts"
import type { WireMessage } from "../../src/domain/wire/messages.ts"
import { append, appended, BROADCAST, CLIENT, entry, get, install, N0, N1, probe, put, vote, voted } from "./builders.ts"

const reasonOf = (input: Uint8Array | string): DecodeReason | "accepted" =>
  Either.match(decodeDatagram(input), { onLeft: (error) => error.reason, onRight: () => "accepted" })

const decoded = (input: Uint8Array | string): WireMessage => Either.getOrThrow(decodeDatagram(input))

/** One valid datagram of each kind the protocol knows. */
const samples: ReadonlyArray<WireMessage> = [
  { src: N0, dst: BROADCAST, leader: BROADCAST, type: "hello" },
  get({ MID: "m1", key: "k" }),
  put({ MID: "m2", key: "k", value: "v", leader: N1 }),
  { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "m3" },
  { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "m4", value: "" },
  { src: N0, dst: CLIENT, leader: N0, type: "fail", MID: "m5" },
  { src: N0, dst: CLIENT, leader: N1, type: "redirect", MID: "m6" },
  vote({ src: N1, term: 3, lastIndex: 7, lastTerm: 2, pre: true }),
  voted({ src: N1, term: 3, granted: false }),
  append({
    src: N1,
    term: 3,
    prevIndex: 4,
    prevTerm: 2,
    entries: [entry(2), entry(3, { key: "k", value: "v", client: CLIENT, mid: "m7" })],
    commit: 4,
    at: 1234.5678,
    ack: true
  }),
  appended({ src: N1, term: 3, success: false, match: 0, conflictIndex: 5, conflictTerm: 2, at: 99 }),
  install({ src: N1, term: 3, lastIndex: 1000, lastTerm: 2, offset: 850, pairs: [["k", "v"], ["", "é"]], mids: ["m8"], done: false, at: 12.5 }),
  { src: N0, dst: N1, leader: N1, type: "installed", term: 3, lastIndex: 1000, offset: 853, done: false, at: 12.5 },
  probe({ src: N1, term: 3 })
]

/** A valid append as a plain JSON object, to break one field at a time. */
const appendJson = (): Record<string, unknown> => JSON.parse(encodeMessage(samples[9]!)) as Record<string, unknown>
const withField = (field: string, value: unknown): string => JSON.stringify({ ...appendJson(), [field]: value })
const withoutField = (field: string): string => {
  const json = appendJson()
  delete json[field]
  return JSON.stringify(json)
}

describe("decodeDatagram", () => {
  it("accepts every message kind, from text or bytes, and decodes it to exactly what was sent", () => {
    for (const message of samples) {
      const text = encodeMessage(message)
      expect(decoded(text), message.type).toEqual(message)
      expect(decoded(new TextEncoder().encode(text)), message.type).toEqual(message)
    }
    expect(new Set(samples.map((m) => m.type))).toEqual(
      new Set(["hello", "get", "put", "ok", "fail", "redirect", "vote", "voted", "append", "appended", "install", "installed", "probe"])
    )
  })

  it("ignores extra fields (the protocol allows them) and drops them from the decoded message", () => {
    const text = JSON.stringify({ ...JSON.parse(encodeMessage(samples[1]!)), extra: [1, 2], note: "hi" })
    expect(decoded(text)).toEqual(samples[1])
  })

  it("rejects a datagram over 65,535 bytes as oversized, and accepts one of exactly 65,535", () => {
    const base = encodeMessage(samples[1]!)
    const atLimit = base + " ".repeat(MAX_DATAGRAM_BYTES - base.length)
    expect(new TextEncoder().encode(atLimit).byteLength).toBe(MAX_DATAGRAM_BYTES)
    expect(reasonOf(atLimit)).toBe("accepted")
    expect(reasonOf(atLimit + " ")).toBe("oversized")
    // Size is counted in UTF-8 bytes, not characters.
    const multiByte = JSON.stringify({ ...JSON.parse(base), key: "é".repeat(MAX_DATAGRAM_BYTES / 2) })
    expect(multiByte.length).toBeLessThan(MAX_DATAGRAM_BYTES + 100)
    expect(reasonOf(multiByte)).toBe("oversized")
    expect(reasonOf(new Uint8Array(MAX_DATAGRAM_BYTES + 1))).toBe("oversized")
  })

  it("rejects text that is not JSON, and bytes that are not UTF-8, as not-json", () => {
    for (const text of ["", "{", "{\"src\": \"0000\",}", "hello", "{'src': '0000'}", "NaN", "{\"a\":1}{\"b\":2}"]) {
      expect(reasonOf(text), text).toBe("not-json")
    }
    const valid = new TextEncoder().encode(encodeMessage(samples[1]!))
    const broken = new Uint8Array([...valid.slice(0, 20), 0xff, 0xfe, ...valid.slice(20)])
    expect(reasonOf(broken)).toBe("not-json")
  })

  it("rejects JSON that is not an object: array, number, null, string, boolean", () => {
    for (const text of ["[]", JSON.stringify([samples[1]]), "42", "-0.5", "null", "\"get\"", "true"]) {
      expect(reasonOf(text), text).toBe("not-an-object")
    }
  })

  it("rejects a message with a missing field", () => {
    for (const field of ["src", "dst", "leader", "type", "term", "prevIndex", "prevTerm", "entries", "commit", "at", "ack"]) {
      expect(reasonOf(withoutField(field)), field).toBe("invalid-message")
    }
    const getJson = JSON.parse(encodeMessage(samples[1]!)) as Record<string, unknown>
    for (const field of ["MID", "key"]) {
      const { [field]: _dropped, ...rest } = getJson
      expect(reasonOf(JSON.stringify(rest)), field).toBe("invalid-message")
    }
    const { term: _term, ...termless } = JSON.parse(encodeMessage(samples[13]!)) as Record<string, unknown>
    expect(reasonOf(JSON.stringify(termless)), "probe term").toBe("invalid-message")
    expect(reasonOf(JSON.stringify({}))).toBe("invalid-message")
  })

  it("rejects ill-typed fields: a term as a string, negative or fractional indexes, bad ids, a non-boolean flag, a bad entry", () => {
    const broken: ReadonlyArray<readonly [string, unknown]> = [
      ["term", "3"],
      ["term", -1],
      ["term", 2.5],
      ["term", null],
      ["prevIndex", -1],
      ["commit", 1.5],
      ["at", "now"],
      ["ack", "true"],
      ["ack", 1],
      ["entries", {}],
      ["entries", [{ k: "no term" }]],
      ["entries", [{ t: 1, c: "client" }]],
      ["src", "00g1"],
      ["src", "12345"],
      ["src", "001"],
      ["src", "00ab"],
      ["src", 1],
      ["dst", ""],
      ["leader", "ffff"],
      ["leader", null]
    ]
    for (const [field, value] of broken) {
      expect(reasonOf(withField(field, value)), `${field} = ${JSON.stringify(value)}`).toBe("invalid-message")
    }
    expect(reasonOf(JSON.stringify({ ...JSON.parse(encodeMessage(samples[2]!)), value: 7 }))).toBe("invalid-message")
    expect(reasonOf(JSON.stringify({ ...JSON.parse(encodeMessage(samples[1]!)), MID: 7 }))).toBe("invalid-message")
    expect(reasonOf(JSON.stringify({ ...JSON.parse(encodeMessage(samples[8]!)), pre: "false" }))).toBe("invalid-message")
    const installJson = JSON.parse(encodeMessage(samples[11]!)) as Record<string, unknown>
    const brokenInstall: ReadonlyArray<readonly [string, unknown]> = [
      ["pairs", [["k"]]],
      ["pairs", [["k", "v", "w"]]],
      ["pairs", [["k", 1]]],
      ["pairs", { k: "v" }],
      ["mids", [7]],
      ["offset", -1],
      ["lastIndex", 1.5],
      ["done", "true"]
    ]
    for (const [field, value] of brokenInstall) {
      expect(reasonOf(JSON.stringify({ ...installJson, [field]: value })), `install ${field} = ${JSON.stringify(value)}`).toBe("invalid-message")
    }
  })

  it("rejects a send time JSON parses to ±Infinity: echoed back, it would be written as null", () => {
    for (const huge of ["1e999", "-1e999"]) {
      expect(reasonOf(encodeMessage(samples[9]!).replace(/"at":[^,}]+/, `"at":${huge}`)), huge).toBe("invalid-message")
      expect(reasonOf(encodeMessage(samples[10]!).replace(/"at":[^,}]+/, `"at":${huge}`)), huge).toBe("invalid-message")
    }
    expect(reasonOf(encodeMessage(samples[9]!).replace(/"at":[^,}]+/, `"at":1e308`))).toBe("accepted")
  })

  it("rejects an unknown type, or a known type missing that type's own fields", () => {
    for (const type of ["bogus", "GET", "", "appendEntries", 3]) {
      expect(reasonOf(withField("type", type)), String(type)).toBe("invalid-message")
    }
    // A hello is only an envelope, so an append's fields do not make a hello invalid; but a get needs MID and key.
    expect(reasonOf(withField("type", "hello"))).toBe("accepted")
    expect(reasonOf(withField("type", "get"))).toBe("invalid-message")
  })

  it("says why a datagram was dropped, for the log", () => {
    const error = Either.getLeft(decodeDatagram(withField("src", "00g1")))
    expect(error._tag).toBe("Some")
    if (error._tag === "Some") {
      expect(error.value._tag).toBe("DecodeError")
      expect(error.value.detail).toContain("src")
    }
  })
})
