/**
 * An append's entries cross the wire under one-letter field names and live in the log under
 * readable ones (src/domain/wire/wireForm.ts). The hand-written encoding must write what the
 * Schemas would, and the byte accounting must count what is written.
 */
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { utf8Bytes, wireEntryBytes } from "../../src/domain/wire/datagramSize.ts"
import { decodeDatagram, encodeMessage } from "../../src/domain/wire/decode.ts"
import { Entry, WireMessage } from "../../src/domain/wire/messages.ts"
import { append, CLIENT, entry, N1 } from "./builders.ts"

const schemaEncode = Schema.encodeSync(WireMessage)

describe("an append's entries on the wire", () => {
  it("go under their one-letter names, and come back under their readable ones", () => {
    const message = append({ src: N1, term: 3, entries: [entry(2), entry(3, { key: "k", value: "é", client: CLIENT, mid: "m7" })] })
    const text = encodeMessage(message)
    expect(text).toContain(`"entries":[{"t":2},{"t":3,"k":"k","v":"é","c":"${CLIENT}","m":"m7"}]`)
    expect(decodeDatagram(text)).toMatchObject({ right: message })
  })

  it("are written as the Schema encoder writes them, for every kind of message", () => {
    fc.assert(
      fc.property(Arbitrary.make(WireMessage), (message) => {
        expect(JSON.parse(encodeMessage(message))).toEqual(JSON.parse(JSON.stringify(schemaEncode(message))))
      }),
      { numRuns: 2_000 }
    )
  })

  it("are counted at the size they are written at", () => {
    fc.assert(
      fc.property(Arbitrary.make(Entry), (one) => {
        const bare = utf8Bytes(encodeMessage(append({ src: N1, term: 1 })))
        expect(utf8Bytes(encodeMessage(append({ src: N1, term: 1, entries: [one] }))) - bare).toBe(wireEntryBytes(one))
      }),
      { numRuns: 2_000 }
    )
  })
})
