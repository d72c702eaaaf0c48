import { describe, expect, it } from "vitest"
import type { Operation } from "../../src/domain/history/operation.ts"
import { lostWrites } from "../../src/nemesis/lostWrites.ts"

const put = (id: number, value: string, invokedAt: number, acknowledged: boolean): Operation => ({
  id,
  client: "c0",
  key: "k",
  kind: "put",
  value,
  invokedAt,
  outcome: acknowledged ? { _tag: "Ok", respondedAt: invokedAt + 1 } : { _tag: "Unknown" }
})

describe("lostWrites", () => {
  const history = [put(0, "a", 0, true), put(1, "b", 10, true), put(2, "c", 20, false)]

  it("accepts the last acknowledged put, or a put whose outcome is unknown", () => {
    expect(lostWrites(history, new Map([["k", "b"]]))).toEqual([])
    expect(lostWrites(history, new Map([["k", "c"]]))).toEqual([])
  })

  it("reports an earlier acknowledged value or an absent key as lost", () => {
    expect(lostWrites(history, new Map([["k", "a"]]))).toEqual([{ key: "k", expected: "b", found: "a" }])
    expect(lostWrites(history, new Map([["k", ""]]))).toEqual([{ key: "k", expected: "b", found: "" }])
  })

  it("accepts an absent key that no put was acknowledged for", () => {
    expect(lostWrites([put(0, "x", 0, false)], new Map([["k", ""]]))).toEqual([])
  })
})
