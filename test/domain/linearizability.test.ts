/**
 * The linearizability checker against hand-written histories whose verdict is known, then
 * against generated ones: histories cut from a sequential run are linearizable, a read of a
 * value never written is a violation, the verdict ignores input order, and on tiny histories
 * it agrees with a brute-force search over every order of the operations.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { checkHistory, type Verdict } from "../../src/domain/history/linearizability.ts"
import type { History, Operation } from "../../src/domain/history/operation.ts"
import { VisitedStates } from "../../src/domain/history/visitedStates.ts"
import { next, nextInt, seeded, type Prng } from "../../src/domain/prng.ts"

let ids = 0

const put = (key: string, value: string, invokedAt: number, respondedAt: number, client = "c1"): Operation =>
  ({ id: ids++, client, key, kind: "put", value, invokedAt, outcome: { _tag: "Ok", respondedAt } })

/** A get that answered `value`; `undefined` is an answer with no value, which reads as absent. */
const get = (key: string, value: string | undefined, invokedAt: number, respondedAt: number, client = "c2"): Operation => ({
  id: ids++,
  client,
  key,
  kind: "get",
  invokedAt,
  outcome: value === undefined ? { _tag: "Ok", respondedAt } : { _tag: "Ok", respondedAt, value }
})

const unansweredPut = (key: string, value: string, invokedAt: number, client = "c1"): Operation =>
  ({ id: ids++, client, key, kind: "put", value, invokedAt, outcome: { _tag: "Unknown" } })

const unansweredGet = (key: string, invokedAt: number, client = "c2"): Operation =>
  ({ id: ids++, client, key, kind: "get", invokedAt, outcome: { _tag: "Unknown" } })

const violation = (verdict: Verdict): Extract<Verdict, { readonly _tag: "Violation" }> => {
  if (verdict._tag !== "Violation") throw new Error(`expected a violation, got ${JSON.stringify(verdict)}`)
  return verdict
}

describe("linearizable histories", () => {
  it("accepts a sequential history of puts and gets and counts its keys and operations", () => {
    const history = [put("x", "a", 0, 1), get("x", "a", 2, 3), put("x", "b", 4, 5), get("x", "b", 6, 7), get("x", "b", 8, 9)]
    expect(checkHistory(history)).toEqual({ _tag: "Linearizable", keys: 1, operations: 5 })
  })

  it("reads a key never written as absent, whether the get answered \"\" or no value", () => {
    expect(checkHistory([get("x", "", 0, 1), get("x", undefined, 2, 3), put("x", "a", 4, 5)])._tag).toBe("Linearizable")
    expect(checkHistory([put("x", "", 0, 1), get("x", undefined, 2, 3)])._tag).toBe("Linearizable")
  })

  it("lets a get after two overlapping puts see either one", () => {
    for (const seen of ["a", "b"]) {
      const history = [put("x", "a", 0, 10, "c1"), put("x", "b", 1, 9, "c3"), get("x", seen, 11, 12)]
      expect(checkHistory(history)._tag).toBe("Linearizable")
    }
  })

  it("lets a get concurrent with a put see the old value or the new one", () => {
    for (const seen of ["old", "new"]) {
      const history = [put("x", "old", 0, 1), put("x", "new", 2, 10), get("x", seen, 3, 4)]
      expect(checkHistory(history)._tag).toBe("Linearizable")
    }
  })

  it("treats an answer at the very instant another op is invoked as concurrent, not earlier", () => {
    expect(checkHistory([put("x", "a", 0, 5), get("x", undefined, 5, 6)])._tag).toBe("Linearizable")
    expect(checkHistory([put("x", "a", 0, 5), get("x", undefined, 5.001, 6)])._tag).toBe("Violation")
  })

  it("lets an unanswered put take effect, right away or much later", () => {
    const tookEffect = [put("x", "a", 0, 1), unansweredPut("x", "b", 2), get("x", "b", 3, 4), get("x", "b", 50, 51)]
    expect(checkHistory(tookEffect)._tag).toBe("Linearizable")
    const tookEffectLate = [put("x", "a", 0, 1), unansweredPut("x", "b", 2), get("x", "a", 10, 11), get("x", "b", 90, 91)]
    expect(checkHistory(tookEffectLate)._tag).toBe("Linearizable")
  })

  it("lets an unanswered put never take effect", () => {
    const history = [put("x", "a", 0, 1), unansweredPut("x", "b", 2), get("x", "a", 3, 4), get("x", "a", 50, 51)]
    expect(checkHistory(history)._tag).toBe("Linearizable")
  })

  it("ignores unanswered gets but still counts them", () => {
    const history = [put("x", "a", 0, 1), unansweredGet("x", 2), get("x", "a", 3, 4), unansweredGet("y", 5)]
    expect(checkHistory(history)).toEqual({ _tag: "Linearizable", keys: 2, operations: 4 })
  })
})

describe("violations", () => {
  it("rejects a stale read after an acknowledged put, naming the put that overwrote it", () => {
    const [a, b, stale] = [put("x", "a", 0, 1), put("x", "b", 2, 3), get("x", "a", 4, 5, "c3")]
    const verdict = violation(checkHistory([a!, b!, stale!]))
    expect(verdict.key).toBe("x")
    expect(verdict.operations).toEqual([a, b, stale])
    expect(verdict.explanation).toBe(
      "get by c3 [4 ms – 5 ms] saw 'a', but put 'a' by c1 [0 ms – 1 ms] had been overwritten by " +
        "put 'b' by c1 [2 ms – 3 ms] before the get was invoked, so it could only see 'b'. " +
        "Witness: put 'a' by c1 [0 ms – 1 ms]; put 'b' by c1 [2 ms – 3 ms]; get by c3 [4 ms – 5 ms] → 'a'"
    )
  })

  it("rejects a read of the key as absent after a put to it completed", () => {
    const verdict = violation(checkHistory([put("x", "a", 0, 1), get("x", "", 2, 3)]))
    expect(verdict.explanation).toMatch(/^get by c2 \[2 ms – 3 ms\] saw the key absent, but put 'a' by c1 \[0 ms – 1 ms\] had completed/)
  })

  it("rejects a read of a value never written, with the read alone as witness", () => {
    const ghost = get("x", "ghost", 4, 5)
    const verdict = violation(checkHistory([put("x", "a", 0, 1), get("x", "a", 2, 3), ghost, put("x", "b", 6, 7)]))
    expect(verdict.operations).toEqual([ghost])
    expect(verdict.explanation).toMatch(/saw 'ghost', a value never written to key 'x'/)
  })

  it("rejects reads that see a, then b, then a again when each was written once", () => {
    const history = [
      put("x", "a", 0, 10, "c1"),
      put("x", "b", 0, 10, "c3"),
      get("x", "a", 1, 2),
      get("x", "b", 3, 4),
      get("x", "a", 5, 6)
    ]
    const verdict = violation(checkHistory(history))
    expect(verdict.operations).toHaveLength(5)
    expect(verdict.explanation).toMatch(/^the gets, in order of invocation, saw 'a', then 'b', then 'a', but no order of the puts/)
  })

  it("rejects a read that goes back in time after a newer value was read", () => {
    const history = [put("x", "a", 0, 1), put("x", "b", 2, 20, "c3"), get("x", "b", 3, 4), get("x", "a", 5, 6)]
    expect(violation(checkHistory(history)).operations).toEqual(history)
  })

  it("does not let an unanswered put take effect before it was invoked", () => {
    expect(checkHistory([get("x", "a", 0, 1), unansweredPut("x", "a", 2)])._tag).toBe("Violation")
  })

  it("does not let an unanswered put be undone once a read saw it", () => {
    const history = [unansweredPut("x", "a", 0), get("x", "a", 1, 2), get("x", undefined, 3, 4)]
    expect(checkHistory(history)._tag).toBe("Violation")
  })

  it("rejects an operation answered before it was invoked", () => {
    expect(checkHistory([put("x", "a", 5, 4)])._tag).toBe("Violation")
  })
})

describe("shrinking", () => {
  it("shrinks a noisy stale read to the two puts and the read, sorted by invocation", () => {
    // Made first so that its id is the smallest: the witness is sorted by invocation, not id.
    const stale = get("x", "a", 8, 9, "c3")
    const [a, b, c] = [put("x", "a", 0, 1), put("x", "b", 2, 3), put("x", "c", 6, 7)]
    const noise = [get("x", "b", 4, 5), get("x", "c", 10, 11), put("x", "d", 12, 13), get("x", "d", 14, 15)]
    const history = [noise[3]!, c!, stale, noise[0]!, b!, noise[1]!, a!, noise[2]!]
    expect(violation(checkHistory(history)).operations).toEqual([a, b, stale])
  })

  it("never drops a put whose value a remaining read saw, which would invent a read of a value never written", () => {
    const history = [put("x", "a", 0, 1), put("x", "b", 2, 3), get("x", "b", 4, 5), get("x", "a", 6, 7)]
    const witness = violation(checkHistory(history)).operations
    for (const read of witness.filter((op) => op.kind === "get")) {
      const value = read.outcome._tag === "Ok" ? read.outcome.value : undefined
      expect(witness.some((op) => op.kind === "put" && op.value === value)).toBe(true)
    }
    expect(checkHistory(witness)._tag).toBe("Violation")
  })
})

describe("keys are independent registers", () => {
  it("accepts keys that are each linearizable though they would not be as one register", () => {
    const history = [put("x", "a", 0, 1), put("y", "b", 2, 3), get("x", "a", 4, 5), get("y", "b", 4, 5)]
    expect(checkHistory(history)).toEqual({ _tag: "Linearizable", keys: 2, operations: 4 })
  })

  it("reports the violating key with a witness drawn from that key only", () => {
    const history = [put("x", "a", 0, 1), put("y", "a", 0, 1), put("y", "b", 2, 3), get("x", "a", 4, 5), get("y", "a", 4, 5)]
    const verdict = violation(checkHistory(history))
    expect(verdict.key).toBe("y")
    expect(verdict.operations.every((op) => op.key === "y")).toBe(true)
  })

  it("reports the first violating key in key order", () => {
    const history = [put("b", "1", 0, 1), get("b", "2", 2, 3), put("a", "1", 0, 1), get("a", "2", 2, 3)]
    expect(violation(checkHistory(history)).key).toBe("a")
  })
})

describe("search budget", () => {
  /** Twelve concurrent puts and a read of the first: the search must try many orders. */
  const crowded = (key: string): History => [
    ...Array.from({ length: 12 }, (_, i) => put(key, `v${i}`, 0, 100, `c${i}`)),
    get(key, "v0", 101, 102)
  ]

  it("is inconclusive on a key whose search exceeds the budget, and conclusive with the default", () => {
    expect(checkHistory(crowded("x"), { maxStatesPerKey: 5 })).toEqual({
      _tag: "Inconclusive",
      key: "x",
      reason: "gave up on key 'x' (13 operations) after 5 search states"
    })
    expect(checkHistory(crowded("x"))._tag).toBe("Linearizable")
  })

  it("cuts off a guess as soon as it overwrites a value a pending get still needs", () => {
    // Forty concurrent puts read back in the reverse of their invocation order. Trying puts in
    // invocation order, a search that waits for a get's return to notice a wrong guess goes
    // through a vast number of orders; noticing the stranded get costs a state per put tried.
    const count = 40
    const puts = Array.from({ length: count }, (_, i) => put("x", `v${i}`, 0, 10_000, `c${i}`))
    const gets = Array.from({ length: count }, (_, i) => get("x", `v${count - 1 - i}`, 10 * i + 1, 10 * i + 2))
    expect(checkHistory([...puts, ...gets], { maxStatesPerKey: count * count })._tag).toBe("Linearizable")
  })

  it("reports the first inconclusive key in key order", () => {
    expect(checkHistory([...crowded("y"), ...crowded("x")], { maxStatesPerKey: 5 })).toMatchObject({ _tag: "Inconclusive", key: "x" })
  })

  it("still reports a violation on another key when one key is inconclusive", () => {
    const history = [...crowded("a-crowded"), put("b-stale", "1", 0, 1), put("b-stale", "2", 2, 3), get("b-stale", "1", 4, 5)]
    expect(violation(checkHistory(history, { maxStatesPerKey: 5 })).key).toBe("b-stale")
  })
})

describe("memo of explored configurations", () => {
  it("tells configurations apart by their bits and value, not only by their hash", () => {
    const visited = new VisitedStates(2)
    const first = Uint32Array.of(1, 0)
    const second = Uint32Array.of(0, 1)
    expect(visited.add(first, 42, 0)).toBe(true)
    expect(visited.add(second, 42, 0)).toBe(true)
    expect(visited.add(first, 42, 1)).toBe(true)
    expect(visited.add(first, 42, 0)).toBe(false)
    expect(visited.size).toBe(3)
  })

  it("remembers every configuration as it grows", () => {
    const visited = new VisitedStates(1)
    const configurations = Array.from({ length: 5_000 }, (_, i) => Uint32Array.of(i))
    expect(configurations.every((bits, i) => visited.add(bits, i % 7, i % 3))).toBe(true)
    expect(configurations.some((bits, i) => visited.add(bits, i % 7, i % 3))).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Generated histories.

/** One step of a sequential run, and how the client saw it. */
interface Step {
  readonly key: number
  readonly kind: "put" | "get"
  readonly value: number
  readonly lead: number
  readonly lag: number
  readonly client: number
  /** An unanswered put may have taken effect at its point in the run, or never. */
  readonly fate: "answered" | "unanswered-applied" | "unanswered-lost"
  readonly absentAsEmpty: boolean
}

const VALUES = ["a", "b", "c", ""]
const SPACING = 10

/**
 * A history whose operations take effect one after another, every SPACING ms, each seen by
 * its client over an interval around that point: `lead` before it, `lag` after it.
 */
const fromSequentialRun = (steps: ReadonlyArray<Step>): History => {
  const register = new Map<string, string>()
  return steps.map((step, i): Operation => {
    const key = `k${step.key}`
    const point = i * SPACING
    const common = { id: i, client: `c${step.client}`, key, invokedAt: point - step.lead }
    const outcome = { _tag: "Ok" as const, respondedAt: point + step.lag }
    if (step.kind === "put") {
      const value = VALUES[step.value] ?? ""
      if (step.fate !== "unanswered-lost") register.set(key, value)
      return { ...common, kind: "put", value, outcome: step.fate === "answered" ? outcome : { _tag: "Unknown" } }
    }
    if (step.fate !== "answered") return { ...common, kind: "get", outcome: { _tag: "Unknown" } }
    const seen = register.get(key)
    return { ...common, kind: "get", outcome: seen === undefined && !step.absentAsEmpty ? outcome : { ...outcome, value: seen ?? "" } }
  })
}

/** Intervals up to 4 ms either side never overlap at this spacing; up to 35 ms they overlap several neighbours. */
const stepsArb = (maxLength: number): fc.Arbitrary<ReadonlyArray<Step>> =>
  fc.constantFrom(4, 35).chain((spread) =>
    fc.array(
      fc.record({
        key: fc.nat(2),
        kind: fc.constantFrom("put" as const, "get" as const),
        value: fc.nat(VALUES.length - 1),
        lead: fc.nat(spread),
        lag: fc.nat(spread),
        client: fc.nat(4),
        fate: fc.constantFrom("answered" as const, "answered" as const, "answered" as const, "unanswered-applied" as const, "unanswered-lost" as const),
        absentAsEmpty: fc.boolean()
      }),
      { maxLength }
    )
  )

const historyArb = stepsArb(60).map(fromSequentialRun)

/** A history from a sequential run with one answered get changed to a value never written. */
const corruptedArb = fc
  .tuple(historyArb, fc.nat())
  .filter(([history]) => history.some((op) => op.kind === "get" && op.outcome._tag === "Ok"))
  .map(([history, pick]) => {
    const reads = history.filter((op) => op.kind === "get" && op.outcome._tag === "Ok")
    const target = reads[pick % reads.length]!
    const corrupted: Operation = target.outcome._tag === "Ok"
      ? { ...target, outcome: { ...target.outcome, value: "never-written" } }
      : target
    return { history: history.map((op) => (op === target ? corrupted : op)), corrupted }
  })

const permutation = (history: History): fc.Arbitrary<History> =>
  fc.shuffledSubarray([...history], { minLength: history.length, maxLength: history.length })

describe("properties", () => {
  it("a history cut from a sequential run is linearizable", () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        expect(checkHistory(history)).toEqual({
          _tag: "Linearizable",
          keys: new Set(history.map((op) => op.key)).size,
          operations: history.length
        })
      }),
      { numRuns: 500 }
    )
  })

  it("changing one read to a value never written is a violation witnessed by that read alone", () => {
    fc.assert(
      fc.property(corruptedArb, ({ history, corrupted }) => {
        const verdict = violation(checkHistory(history))
        expect(verdict.key).toBe(corrupted.key)
        expect(verdict.operations).toEqual([corrupted])
        expect(verdict.explanation).toContain("'never-written', a value never written")
      }),
      { numRuns: 500 }
    )
  })

  it("the verdict does not depend on the order of the input", () => {
    const anyHistory = fc.oneof(historyArb, corruptedArb.map(({ history }) => history))
    fc.assert(
      fc.property(anyHistory.chain((history) => fc.tuple(fc.constant(history), permutation(history))), ([history, shuffled]) => {
        expect(checkHistory(shuffled)).toEqual(checkHistory(history))
      }),
      { numRuns: 300 }
    )
  })

  /** Every order of every choice of unanswered puts to include, checked the obvious way. */
  const bruteForce = (history: History): boolean => {
    const answered = history.filter((op) => op.outcome._tag === "Ok")
    const optional = history.filter((op) => op.kind === "put" && op.outcome._tag === "Unknown")
    const respondedAt = (op: Operation): number => (op.outcome._tag === "Ok" ? op.outcome.respondedAt : Infinity)
    const orderable = (remaining: ReadonlyArray<Operation>, value: string): boolean =>
      remaining.length === 0 ||
      remaining.some((op, i) => {
        const rest = remaining.filter((_, j) => j !== i)
        if (rest.some((other) => respondedAt(other) < op.invokedAt)) return false
        if (op.kind === "put") return orderable(rest, op.value ?? "")
        return (op.outcome._tag === "Ok" ? op.outcome.value ?? "" : "") === value && orderable(rest, value)
      })
    for (let mask = 0; mask < 1 << optional.length; mask++) {
      if (orderable([...answered, ...optional.filter((_, i) => (mask & (1 << i)) !== 0)], "")) return true
    }
    return false
  }

  const tinyArb: fc.Arbitrary<History> = fc.array(
    fc.record({
      kind: fc.constantFrom("put" as const, "get" as const),
      value: fc.constantFrom("a", "b", ""),
      read: fc.constantFrom("a", "b", "", undefined),
      invokedAt: fc.nat(8),
      duration: fc.nat(6),
      answered: fc.constantFrom(true, true, true, false)
    }),
    { minLength: 1, maxLength: 6 }
  ).map((ops) =>
    ops.map((op, id): Operation => {
      const outcome = op.answered ? { _tag: "Ok" as const, respondedAt: op.invokedAt + op.duration } : { _tag: "Unknown" as const }
      const common = { id, client: `c${id}`, key: "k", invokedAt: op.invokedAt }
      if (op.kind === "put") return { ...common, kind: "put", value: op.value, outcome }
      return { ...common, kind: "get", outcome: outcome._tag === "Ok" && op.read !== undefined ? { ...outcome, value: op.read } : outcome }
    })
  )

  it("agrees with a brute-force search on tiny histories, and its witnesses are violations too", () => {
    fc.assert(
      fc.property(tinyArb, (history) => {
        const verdict = checkHistory(history)
        expect(verdict._tag === "Linearizable").toBe(bruteForce(history))
        if (verdict._tag === "Violation") {
          expect(bruteForce(verdict.operations)).toBe(false)
          expect(verdict.operations.every((op) => history.includes(op))).toBe(true)
        }
      }),
      { numRuns: 2000 }
    )
  })
})

describe("speed", () => {
  /** A sequential run drawn from a seeded generator, with intervals overlapping up to 3 neighbours. */
  const bigHistory = (count: number, keys: number): History => {
    let prng: Prng = seeded(7)
    const draw = (bound: number): number => {
      const [n, rest] = nextInt(prng, bound)
      prng = rest
      return n
    }
    const steps = Array.from({ length: count }, (): Step => {
      const [u, rest] = next(prng)
      prng = rest
      return {
        key: draw(keys),
        kind: u < 0.5 ? "put" : "get",
        value: draw(VALUES.length),
        lead: draw(15),
        lag: draw(15),
        client: draw(50),
        fate: draw(50) === 0 ? "unanswered-applied" : "answered",
        absentAsEmpty: false
      }
    })
    return fromSequentialRun(steps)
  }

  it("checks 500 operations on one key and 10,000 over 2,000 keys in well under a second of CPU", () => {
    for (const history of [bigHistory(500, 1), bigHistory(10_000, 2_000)]) {
      // CPU time, not wall time: other processes on a shared machine stretch the latter.
      const started = process.cpuUsage()
      expect(checkHistory(history)._tag).toBe("Linearizable")
      const used = process.cpuUsage(started)
      expect((used.user + used.system) / 1000).toBeLessThan(1_000)
    }
  })
})
