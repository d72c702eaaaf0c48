import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { PersistentMap } from "../../src/domain/raft/structures/persistentMap.ts"

type Op =
  | { readonly kind: "set"; readonly version: number; readonly key: string; readonly value: string }
  | { readonly kind: "read"; readonly version: number; readonly key: string }

const key = fc.constantFrom("a", "b", "c", "d", "e")
const value = fc.constantFrom("1", "2", "3")
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), version: fc.nat(), key, value }),
  fc.record({ kind: fc.constant("read" as const), version: fc.nat(), key })
)

const contents = (map: PersistentMap<string, string>) => new Map(map.entries())

describe("PersistentMap", () => {
  it("every version reads as a copied Map would (keys in insertion order), whatever version is touched in between", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 50 }), (ops, order) => {
        const versions: Array<PersistentMap<string, string>> = [PersistentMap.empty()]
        const expected: Array<ReadonlyMap<string, string>> = [new Map()]
        for (const o of ops) {
          const at = o.version % versions.length
          const version = versions[at]!
          const model = expected[at]!
          if (o.kind === "set") {
            versions.push(version.set(o.key, o.value))
            expected.push(new Map(model).set(o.key, o.value))
          } else {
            expect(version.get(o.key)).toBe(model.get(o.key))
            expect(version.has(o.key)).toBe(model.has(o.key))
            expect(version.size).toBe(model.size)
          }
        }
        for (const n of [...order, ...versions.keys()]) {
          const at = n % versions.length
          expect(contents(versions[at]!)).toEqual(expected[at])
          expect(versions[at]!.keys()).toEqual([...expected[at]!.keys()])
        }
      }),
      { numRuns: 300 }
    )
  })

  it("names every key on which two linked versions differ, without disturbing what either reads", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), fc.nat(), fc.nat(), (ops, a, b) => {
        const versions: Array<PersistentMap<string, string>> = [PersistentMap.empty()]
        const expected: Array<ReadonlyMap<string, string>> = [new Map()]
        for (const o of ops) {
          const at = o.version % versions.length
          if (o.kind === "set") {
            versions.push(versions[at]!.set(o.key, o.value))
            expected.push(new Map(expected[at]!).set(o.key, o.value))
          } else versions[at]!.get(o.key)
        }
        const [left, right] = [a % versions.length, b % versions.length]
        const keys = versions[left]!.keysDifferingFrom(versions[right]!, Number.POSITIVE_INFINITY)
        if (keys === undefined) return
        for (const key of ["a", "b", "c", "d", "e"]) {
          if (expected[left]!.get(key) !== expected[right]!.get(key)) expect(keys).toContain(key)
        }
        expect(contents(versions[left]!)).toEqual(expected[left])
        expect(contents(versions[right]!)).toEqual(expected[right])
      }),
      { numRuns: 300 }
    )
  })

  it("finds the keys between a version and the next ones made from it, and gives up past the limit or across separate maps", () => {
    const start = PersistentMap.empty<string, string>().set("a", "1").set("b", "1")
    const next = start.set("a", "2").set("c", "3")
    expect(next.keysDifferingFrom(start, 10)?.sort()).toEqual(["a", "c"])
    expect(start.keysDifferingFrom(next, 10)?.sort()).toEqual(["a", "c"])
    expect(next.keysDifferingFrom(next, 0)).toEqual([])
    expect(next.keysDifferingFrom(start, 1)).toBeUndefined()
    expect(next.keysDifferingFrom(PersistentMap.empty<string, string>().set("a", "2"), 10)).toBeUndefined()
  })

  it("setting a key to the value it holds returns the same version", () => {
    const map = PersistentMap.empty<string, string>().set("a", "1")
    expect(map.set("a", "1")).toBe(map)
    expect(map.set("a", "2")).not.toBe(map)
  })

  it("maps from separate empty() calls share nothing", () => {
    const left = PersistentMap.empty<string, string>().set("a", "1")
    const right = PersistentMap.empty<string, string>().set("a", "2")
    expect([left.get("a"), right.get("a"), left.size, right.size]).toEqual(["1", "2", 1, 1])
  })

  it("reads a version 100,000 updates from the root without overflowing the stack", () => {
    const first = PersistentMap.empty<number, number>().set(0, 0)
    let map = first
    for (let i = 1; i <= 100_000; i++) map = map.set(i % 10, i)
    expect(first.entries()).toEqual([[0, 0]])
    expect(map.get(9)).toBe(99_999)
    expect(first.get(0)).toBe(0)
  })
})
