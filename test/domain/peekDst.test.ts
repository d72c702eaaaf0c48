import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { replicaId } from "../../src/domain/ids.ts"
import { peekDst } from "../../src/domain/wire/peekDst.ts"

describe("peekDst", () => {
  it("reads dst as the encoder writes it, wherever it stands", () => {
    expect(peekDst(`{"src":"0000","dst":"0002","leader":"FFFF","type":"hello"}`)).toBe("0002")
    expect(peekDst(`{"type":"hello","src":"0000","dst":"FFFF"}`)).toBe("FFFF")
  })

  it("parses the datagram when the quick look does not find dst, and gives up on what has no valid one", () => {
    expect(peekDst(`{ "src": "0000", "dst" : "0003" }`)).toBe("0003")
    expect(peekDst(`{"src":"0000","dst":"03"}`)).toBeUndefined()
    expect(peekDst(`{"src":"0000","dst":"000a"}`)).toBeUndefined()
    expect(peekDst(`{"src":"0000"}`)).toBeUndefined()
    expect(peekDst(`["dst","0001"]`)).toBeUndefined()
  })

  it("is not fooled by a dst written inside a string", () => {
    const tricky = JSON.stringify({ src: "0000", key: `"dst":"0009"`, dst: "0001", value: `","dst":"0008` })
    expect(peekDst(tricky)).toBe("0001")
    const before = JSON.stringify({ key: `x","dst":"0009`, dst: "0001" })
    expect(peekDst(before)).toBe("0001")
  })

  it("agrees with JSON.parse on every encoded message, whatever its strings hold", () => {
    const text = fc.string({ unit: fc.constantFrom("a", '"', "\\", ":", ",", "{", "}", "d", "s", "t", "0", "1", "F", "é") })
    fc.assert(
      fc.property(fc.nat(0xffff).map(replicaId), text, text, fc.boolean(), (dst, key, value, keyFirst) => {
        const message = keyFirst ? { key, src: "0000", dst, value } : { src: "0000", dst, key, entries: [{ t: 1, k: key, v: value }] }
        expect(peekDst(JSON.stringify(message))).toBe(dst)
      })
    )
  })
})
