import { describe, expect, it } from "@effect/vitest"
import { formatJson, formatScorecard, formatSummaryLine } from "../../src/domain/harness/report.ts"
import { type Thresholds, tierOf } from "../../src/domain/harness/tiers.ts"
import { summarizeLatency } from "../../src/domain/harness/latency.ts"
import { exitCodeOf, runStatus } from "../../src/domain/harness/status.ts"
import { BROADCAST, type NodeId, replicaId } from "../../src/domain/ids.ts"
import { drive, ids, leaderScript, testConfig } from "./scripted.ts"

const [R0, R1] = ids(2) as [NodeId, NodeId]

describe("performance tiers", () => {
  const thresholds: Thresholds = [10, 20, 30]

  it.each([
    [9.99, 0],
    [10, 1],
    [19, 1],
    [20, 2],
    [29.5, 2],
    [30, 3],
    [1e9, 3]
  ] as const)("a value of %d earns tier %d against [10, 20, 30]", (value, tier) => {
    expect(tierOf(value, thresholds)).toBe(tier)
  })

  it("gives no tier without a value, and bonus is out of reach when its threshold is 0", () => {
    expect(tierOf(undefined, thresholds)).toBe(3)
    expect(tierOf(0, [0, 2, 5])).toBe(1)
  })

  it("scores median latency in seconds against the config's thresholds", () => {
    // All gets (the first of each client sent as a put), so that the scripted leader, which
    // never talks to its peers, still passes every check and earns tiers.
    const base = testConfig()
    const config = testConfig({ requests: 50, lifetime: 1, mix: 1, tests: { ...base.tests, maximum_get_generation_fail_fraction: 1 } })
    const run = drive(config, 1, leaderScript(R0))
    run.runUntil()
    expect(run.result().correct).toBe(true)
    const latency = run.result().performance.find((m) => m.name === "median_latency")
    // Scripted replicas answer at the instant they are asked.
    expect(latency).toEqual({ name: "median_latency", value: 0, thresholds: [0.001, 0.002, 0.003], tier: 0 })
  })
})

describe("latency summary", () => {
  it("gives the mean, the reference's median (the upper middle sample for an even count) and the nearest-rank p99", () => {
    expect(summarizeLatency([])).toBeUndefined()
    expect(summarizeLatency([5, 1, 3])).toEqual({ samples: 3, meanMs: 3, medianMs: 3, p99Ms: 5 })
    expect(summarizeLatency([4, 1, 3, 2])).toEqual({ samples: 4, meanMs: 2.5, medianMs: 3, p99Ms: 4 })
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(summarizeLatency(hundred)).toMatchObject({ medianMs: 51, p99Ms: 99 })
  })
})

describe("check 6: the replicas must really replicate", () => {
  const withMessages = (n: number, fraction?: number) => {
    // requests × replicas × (1 − mix) × (1 − maximum_appends_batched_fraction)
    const base = testConfig({ requests: 100, replicas: 5, mix: 0.2 })
    const config = fraction === undefined ? base : { ...base, tests: { ...base.tests, maximum_appends_batched_fraction: fraction } }
    const run = drive(config, 1, () => [])
    for (let i = 0; i < n; i++) run.send(R0, JSON.stringify({ src: R0, dst: R1, leader: BROADCAST, type: "x" }))
    return run.result().checks.find((c) => c.id === "replication")
  }

  it("fails one message short of the minimum and passes at it: 100 × 5 × 0.8 × (1 − 0.5 by default) = 200", () => {
    expect(withMessages(199)).toMatchObject({ passed: false, detail: "199 messages, at least 200 required" })
    expect(withMessages(200)?.passed).toBe(true)
  })

  it("takes its allowance from tests.maximum_appends_batched_fraction: 100 × 5 × 0.8 × (1 − 0.75) = 100", () => {
    expect(withMessages(99, 0.75)).toMatchObject({ passed: false, detail: "99 messages, at least 100 required" })
    expect(withMessages(100, 0.75)?.passed).toBe(true)
    expect(withMessages(399, 0)).toMatchObject({ passed: false, detail: "399 messages, at least 400 required" })
  })
})

describe("the other correctness checks", () => {
  it("requires at least one stored key, and bounds failed get generations", () => {
    const run = drive(testConfig({ requests: 20, lifetime: 1, mix: 1 }), 1, () => [])
    run.runUntil()
    const result = run.result()
    // Nobody answers, so no client ever owns a key: every get drawn is sent as a put, yet
    // counts as a generated get, as in the reference.
    expect(result.stats.gets.generated).toBe(20)
    expect(result.stats.gets.failedToGenerate).toBe(20)
    expect(result.stats.puts.generated).toBe(0)
    expect(result.stats.puts.unanswered).toBe(20)
    expect(result.stats.keysStored).toBe(0)
    // With mix 1 no replication is required (requests × replicas × (1 − mix) × 0.5 = 0).
    expect(result.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(["stored", "unanswered", "generation"])
    expect(result.checks.find((c) => c.id === "generation")?.detail).toBe("20 failed of 20 gets (limit 10%)")
  })

  it("reads the fraction overrides only under tests, ignoring top-level ones as the reference does", () => {
    const checkOf = (id: "unanswered" | "generation", mix: number, where: "none" | "top" | "tests") => {
      const field = id === "unanswered" ? "maximum_put_fail_fraction" : "maximum_get_generation_fail_fraction"
      const base = testConfig({ requests: 20, lifetime: 1, mix })
      const config = where === "top"
        ? { ...base, [field]: 1 }
        : where === "tests"
        ? { ...base, tests: { ...base.tests, [field]: 1 } }
        : base
      const run = drive(config, 1, () => [])
      run.runUntil()
      return run.result().checks.find((c) => c.id === id)
    }
    // mix 0: 20 puts generated, all unanswered, against a limit of 50% unless overridden.
    expect(checkOf("unanswered", 0, "none")?.passed).toBe(false)
    expect(checkOf("unanswered", 0, "top")?.passed).toBe(false)
    expect(checkOf("unanswered", 0, "tests")).toMatchObject({ passed: true, detail: "gets 0/0 (limit 50%), puts 20/20 (limit 100%)" })
    // mix 1: 20 gets generated, none of them possible, against a limit of 10% unless overridden.
    expect(checkOf("generation", 1, "none")?.passed).toBe(false)
    expect(checkOf("generation", 1, "top")?.passed).toBe(false)
    expect(checkOf("generation", 1, "tests")).toMatchObject({ passed: true, detail: "20 failed of 20 gets (limit 100%)" })
  })
})

describe("reports", () => {
  const run = (seed: number) => {
    const driver = drive(testConfig({ drops: 0.2, requests: 200 }), seed, leaderScript(R1))
    driver.runUntil()
    return driver.result()
  }

  it("are byte-identical for the same seed and inputs, and differ for another seed", () => {
    const a = formatJson([run(5)])
    expect(formatJson([run(5)])).toBe(a)
    expect(formatJson([run(6)])).not.toBe(a)
    const parsed = JSON.parse(a) as { passed: number; total: number; runs: Array<Record<string, unknown>> }
    expect(parsed.total).toBe(1)
    expect(Object.keys(parsed.runs[0] ?? {})).toEqual([
      "name",
      "seed",
      "correct",
      "status",
      "endedBy",
      "durationMs",
      "checks",
      "performance",
      "linearizability",
      "timeline",
      "replicaCpu",
      "stats"
    ])
  })

  it("name every failed check on the scorecard and the summary line", () => {
    const driver = drive(testConfig({ requests: 20, lifetime: 1, mix: 0 }), 1, () => [])
    driver.runUntil()
    const result = driver.result()
    const card = formatScorecard(result)
    expect(card).toContain("Correctness: FAIL")
    expect(card).toContain("failed: at least one key stored: 0 keys stored")
    expect(card).toContain("failed: replicas exchanged enough messages to be replicating")
    // A cluster that answered nothing "won" the message metric with 0; like the reference,
    // kvsim gives a run that failed correctness no tiers at all.
    expect(card).toMatch(/total_msgs\s+0 {3}bonus < 100, full < 200, partial < 300: not scored \(correctness failed\)/)
    expect(card).toMatch(/failures\s+20 {3}bonus < 1, full < 2, partial < 3: not scored \(correctness failed\)/)
    expect(card).toMatch(/median_latency\s+n\/a   bonus < 0.001, full < 0.002, partial < 0.003: not scored/)
    expect(result.performance.every((metric) => metric.tier === undefined)).toBe(true)
    // Nor is a history with no answered operation called linearizable.
    expect(result.linearizability).toMatchObject({ _tag: "Inconclusive", reason: "no operation was answered" })
    expect(card).toContain("linearizability    inconclusive (no operation was answered)")
    expect(result.status).toBe("fail")
    // Why requests went unanswered, in total and for the first ten one by one.
    expect(card).toMatch(/ {2}unanswered {9}20 \(20 never-answered\)\n/)
    const listed = card.split("\n").filter((l) => / put [A-Z0-9]{16} from \w{4} to \w{4} at \d\.\d{3} s: never answered by a replica that stayed up$/.test(l))
    expect(listed).toHaveLength(10)
    const line = formatSummaryLine(result)
    expect(line).toMatch(/^FAIL scripted/)
    expect(line).toContain("failed: stored, unanswered, replication")
  })

  it("shows the stats SIMULATOR.md lists on a passing scorecard", () => {
    const card = formatScorecard(run(5))
    const labels = ["leaders seen", "replicas", "messages", "client gets", "client puts", "duplicates", "unanswered"]
    for (const label of [...labels, "redirects", "failures", "incorrect", "latency", "linearizability"]) {
      expect(card).toContain(`  ${label}`)
    }
    expect(card).toContain("leaders seen       1: 0001")
    expect(card).toContain("Correctness: PASS")
    expect(formatSummaryLine(run(5))).toMatch(/^PASS scripted/)
  })

  it("abridges a list of leaders too long for one line (a replica naming a new leader in every answer)", () => {
    const result = run(5)
    const leaders = Array.from({ length: 1856 }, (_, i) => replicaId(i % 5))
    const card = formatScorecard({ ...result, stats: { ...result.stats, leaders } })
    expect(card).toContain("leaders seen       1856: 0000, 0001, 0002, 0003, 0004, 0000, 0001, 0002, … (1845 more), 0003, 0004, 0000\n")
  })
})

describe("run status and kvsim's exit code", () => {
  const linearizable = { _tag: "Linearizable", keys: 1, operations: 1 } as const
  const inconclusive = { _tag: "Inconclusive", key: "k", reason: "gave up" } as const

  it("is its own status when the checks pass but linearizability could not be decided, never a pass", () => {
    expect(runStatus(true, linearizable)).toBe("pass")
    expect(runStatus(true, inconclusive)).toBe("inconclusive")
    expect(runStatus(false, inconclusive)).toBe("fail")
  })

  it("exits 1 on any failed run, else 3 on any inconclusive one, else 0", () => {
    expect(exitCodeOf(["pass", "pass"])).toBe(0)
    expect(exitCodeOf(["pass", "inconclusive"])).toBe(3)
    expect(exitCodeOf(["inconclusive", "fail"])).toBe(1)
    expect(exitCodeOf([])).toBe(0)
  })
})
