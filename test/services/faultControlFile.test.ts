import { describe, expect, it } from "vitest"
import { parseFaultControl } from "../../src/services/faultControlFile.ts"

describe("parseFaultControl", () => {
  it("reads directed links, and no file as no cuts", () => {
    expect(parseFaultControl('{"cuts": [["0001", "0002"], ["0002", "0001"]]}')).toEqual([["0001", "0002"], ["0002", "0001"]])
    expect(parseFaultControl(undefined)).toEqual([])
  })

  it("refuses what does not parse whole, so the cuts in force stay", () => {
    expect(parseFaultControl('{"cuts": [["0001"')).toBeUndefined()
    expect(parseFaultControl('{"cuts": [["0001", "nope"]]}')).toBeUndefined()
    expect(parseFaultControl('{"links": []}')).toBeUndefined()
  })
})
