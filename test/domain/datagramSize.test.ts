/** Measuring datagrams without encoding them: the byte counts the leader batches by must be exact. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { jsonBytes, utf8Bytes } from "../../src/domain/wire/datagramSize.ts"

const SEED = 20_240_917
const encoder = new TextEncoder()
/** Any UTF-16 code unit, so lone and reversed surrogates turn up. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))

describe("datagram size", () => {
  it("utf8Bytes equals the length TextEncoder produces, for any string (surrogate pairs, lone surrogates, control characters)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string({ unit: codeUnit })), (text) => {
        expect(utf8Bytes(text)).toBe(encoder.encode(text).byteLength)
      }),
      { seed: SEED, numRuns: 1000 }
    )
    for (const text of ["", "a", "é", "€", "😀", "\ud800", "\udc00x", "\u0000\n\"\\"]) expect(utf8Bytes(text), text).toBe(encoder.encode(text).byteLength)
  })

  it("jsonBytes is the UTF-8 size of the value's JSON text, escapes included", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), (value) => {
        expect(jsonBytes(value)).toBe(encoder.encode(JSON.stringify(value)).byteLength)
      }),
      { seed: SEED, numRuns: 1000 }
    )
  })
})
