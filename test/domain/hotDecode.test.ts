/**
 * The hand-written decoder for the hot messages (src/domain/wire/hotDecode.ts) must agree with
 * the Schemas: whatever it accepts, the Schema decoder accepts and decodes to the same value;
 * whatever it is unsure of, it leaves to the Schema decoder. Checked over valid messages of every
 * kind, and over the same messages with a field removed, retyped, or set to an edge value.
 */
import { isDeepStrictEqual } from "node:util"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeHot } from "../../src/domain/wire/hotDecode.ts"
import { Append, Appended, Get, Put, WireMessage } from "../../src/domain/wire/messages.ts"

const schemaDecode = Schema.decodeUnknownEither(WireMessage)

/** Values a hostile or buggy peer might put in any field, JSON-representable ones included. */
const oddValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, "", "0000", "FFFF", "000g", -1, -0, 0.5, 2 ** 53, Number.MAX_VALUE, Infinity, -Infinity, [], {}),
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.array(fc.record({ t: fc.oneof(fc.nat(5), fc.constant(-1)), k: fc.oneof(fc.string({ maxLength: 3 }), fc.nat()) }, { requiredKeys: [] }), {
    maxLength: 2
  })
)

/** A message with one field (or one field of one entry) removed, replaced, or added. */
const mutated = (message: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> => {
  const keys = Object.keys(message)
  return fc.oneof(
    fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(message).filter(([k]) => k !== key))),
    fc.tuple(fc.constantFrom(...keys), oddValue).map(([key, value]) => ({ ...message, [key]: value })),
    fc.tuple(fc.string({ maxLength: 4 }), oddValue).map(([key, value]) => ({ ...message, [key]: value })),
    fc.tuple(fc.constantFrom("t", "k", "v", "c", "m", "x"), oddValue).map(([key, value]) =>
      Array.isArray(message["entries"]) && message["entries"].length > 0
        ? { ...message, entries: [{ ...message["entries"][0], [key]: value }, ...message["entries"].slice(1)] }
        : message
    )
  )
}

const anyMessage = Arbitrary.make(WireMessage)
const hotMessage = fc.oneof(Arbitrary.make(Get), Arbitrary.make(Put), Arbitrary.make(Append), Arbitrary.make(Appended))

const schemaEncode = Schema.encodeSync(WireMessage)

/**
 * What the decoders can see: the message in its wire form (an entry's fields under their
 * one-letter names), through JSON, which has no undefined and no non-finite numbers.
 */
const viaJson = (message: WireMessage): unknown => JSON.parse(JSON.stringify(schemaEncode(message)))

const agrees = (json: unknown): boolean => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return true
  const hot = decodeHot(json)
  if (hot === undefined) return true
  const schema = schemaDecode(json)
  return Either.isRight(schema) && isDeepStrictEqual(hot, schema.right)
}

describe("the hot-path decoder agrees with the Schemas", () => {
  it("decodes every valid get, put, append and appended itself, to what the Schema decoder returns", () => {
    fc.assert(
      fc.property(hotMessage, (message) => {
        const json = viaJson(message) as object
        const hot = decodeHot(json)
        expect(hot).toBeDefined()
        expect(hot).toEqual(Either.getOrThrow(schemaDecode(json)))
      }),
      { numRuns: 2_000 }
    )
  })

  it("accepts nothing the Schema decoder rejects, and decodes nothing differently, over mutated messages of every kind", () => {
    fc.assert(
      fc.property(anyMessage.chain((message) => mutated(viaJson(message) as Record<string, unknown>)), (json) => agrees(json)),
      { numRuns: 20_000 }
    )
  })

  it("leaves a Schema-valid oddity to the Schema decoder rather than guess: Infinity in `at`, -0 as a term, extra fields", () => {
    const base = { src: "0001", dst: "0000", leader: "0001", type: "appended", term: 2, success: true, match: 3, conflictIndex: 0, conflictTerm: 0, at: 5 }
    expect(decodeHot({ ...base, at: Infinity })).toBeUndefined()
    expect(agrees({ ...base, term: -0 })).toBe(true)
    expect(decodeHot({ ...base, extra: 1 })).toEqual(base)
    expect(decodeHot({ ...base, type: "vote" })).toBeUndefined()
  })
})
