import { describe, expect, it } from "@effect/vitest"
import { CLIENT_COUNT } from "../../src/domain/harness/harness.ts"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { drive, type Message, type Script, testConfig } from "./scripted.ts"

/** A store that is always right: one map shared by all replicas, every request answered by whoever got it. */
const perfectStore = () => {
  const data = new Map<string, string>()
  return (self: NodeId, m: Message): Message => {
    const key = String(m["key"])
    if (m["type"] === "put") data.set(key, String(m["value"]))
    const base = { src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"] }
    return m["type"] === "get" ? { ...base, value: data.get(key) ?? "" } : base
  }
}

const config = testConfig({ replicas: 3, requests: 200, mix: 0.5 })

describe("the clients' judgement of responses", () => {
  it("accepts a perfect store: every operation ok, nothing incorrect", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => [store(self, m)])
    run.runUntil()
    const s = run.result().stats
    expect(s.gets.generated + s.puts.generated).toBe(200)
    expect(s.gets.generated).toBeGreaterThan(50)
    expect(s.gets.ok).toBe(s.gets.generated)
    expect(s.puts.ok).toBe(s.puts.generated)
    expect(s.incorrect).toBe(0)
    expect(s.failures).toBe(0)
    expect(s.latency?.samples).toBe(200)
    expect(run.result().linearizability._tag).toBe("Linearizable")
  })

  it("with keys_per_client (kvsim only), stops creating keys at the limit and keeps updating them", () => {
    const written = (limit?: number) => {
      const store = perfectStore()
      const keys = new Set<string>()
      let puts = 0
      const run = drive({ ...config, requests: 400, keys_per_client: limit }, 7, (self, m) => {
        if (m["type"] === "put") [keys.add(String(m["key"])), puts++]
        return [store(self, m)]
      })
      run.runUntil()
      expect(run.result().stats.failures).toBe(0)
      return { keys: keys.size, puts }
    }
    const unlimited = written()
    const limited = written(3)
    expect(unlimited.keys).toBeGreaterThan(60)
    // Three keys for each client, and still about as many puts as without the limit.
    expect(limited.keys).toBe(3 * CLIENT_COUNT)
    expect(Math.abs(limited.puts - unlimited.puts)).toBeLessThan(unlimited.puts / 5)
  })

  it("counts a second response to a completed MID as a duplicate, not as incorrect", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => {
      const reply = store(self, m)
      return [reply, reply]
    })
    run.runUntil()
    const s = run.result().stats
    expect(s.duplicates).toBe(200)
    expect(s.incorrect).toBe(0)
    expect(s.latency?.samples).toBe(200)
  })

  it("counts a response to a MID the client no longer waits for (ok after redirect) as incorrect", () => {
    const store = perfectStore()
    let first = true
    const run = drive(config, 7, (self, m) => {
      const reply = store(self, m)
      if (!first) return [reply]
      first = false
      return [{ src: self, dst: m["src"], leader: self, type: "redirect", MID: m["MID"] }, reply]
    })
    run.runUntil()
    const s = run.result().stats
    expect(s.redirects).toBe(1)
    expect(s.incorrect).toBe(1)
    expect(s.incorrectByReason).toEqual([{ reason: "unexpected-mid", count: 1 }])
    expect(s.duplicates).toBe(0)
  })

  it("leaves requests nobody answers unanswered to the end, and counts them as failures", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => (m["type"] === "get" ? [] : [store(self, m)]))
    run.runUntil()
    const result = run.result()
    const s = result.stats
    expect(s.gets.generated).toBeGreaterThan(0)
    expect(s.gets.unanswered).toBe(s.gets.generated)
    expect(s.puts.unanswered).toBe(0)
    expect(s.failures).toBe(s.gets.generated)
    expect(result.checks.find((c) => c.id === "unanswered")?.passed).toBe(false)
    const unknown = result.history.filter((op) => op.outcome._tag === "Unknown")
    expect(unknown).toHaveLength(s.gets.generated)
    expect(unknown.every((op) => op.kind === "get")).toBe(true)
  })

  it("re-sends after a fail with a new MID, counts the fail as a failure, and keeps one history operation", () => {
    const store = perfectStore()
    const failedOnce = new Set<string>()
    const run = drive(config, 7, (self, m) => {
      const op = `${String(m["src"])}/${String(m["type"])}/${String(m["key"])}/${String(m["value"])}`
      if (failedOnce.has(op)) return [store(self, m)]
      failedOnce.add(op)
      return [{ src: self, dst: m["src"], leader: BROADCAST, type: "fail", MID: m["MID"] }]
    })
    run.runUntil()
    const result = run.result()
    const s = result.stats
    expect(s.gets.failed + s.puts.failed).toBe(failedOnce.size)
    expect(s.failures).toBe(failedOnce.size)
    expect(s.gets.ok + s.puts.ok).toBe(200)
    // A latency sample for the fail and one for the ok of every operation.
    expect(s.latency?.samples).toBe(200 + failedOnce.size)
    expect(result.history).toHaveLength(200)
    expect(result.history.every((op) => op.outcome._tag === "Ok")).toBe(true)
    const mids = run.requests.map((r) => r.message["MID"])
    expect(new Set(mids).size).toBe(mids.length)
  })

  it("flags a get that returns something other than the last acknowledged put", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => {
      const reply = store(self, m)
      return [m["type"] === "get" ? { ...reply, value: "stale" } : reply]
    })
    run.runUntil()
    const s = run.result().stats
    expect(s.incorrect).toBe(s.gets.generated)
    expect(s.incorrectByReason).toEqual([{ reason: "wrong-value", count: s.gets.generated }])
    // The checker sees the impossible read too, and a violation fails correctness on its own.
    const result = run.result()
    expect(result.linearizability._tag).toBe("Violation")
    expect(result.checks.find((c) => c.id === "linearizability")?.passed).toBe(false)
    expect(result.correct).toBe(false)
  })

  it("does not flag a get that sees the value of the client's own put still in flight", () => {
    const data = new Map<string, string>()
    const acknowledged = new Map<string, string>()
    let sawUnacknowledged = 0
    // Updates are applied but never acknowledged, so later gets see values the client has not had confirmed.
    const script: Script = (self, m) => {
      const key = String(m["key"])
      const base = { src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"] }
      if (m["type"] === "get") {
        if (data.get(key) !== acknowledged.get(key)) sawUnacknowledged++
        return [{ ...base, value: data.get(key) ?? "" }]
      }
      const update = data.has(key)
      data.set(key, String(m["value"]))
      if (update) return []
      acknowledged.set(key, String(m["value"]))
      return [base]
    }
    const run = drive(testConfig({ replicas: 3, requests: 400, mix: 0.5 }), 11, script)
    run.runUntil()
    expect(sawUnacknowledged).toBeGreaterThan(0)
    expect(run.result().stats.incorrect).toBe(0)
    // The checker agrees: an unacknowledged put may take effect at any time after it was sent.
    expect(run.result().linearizability._tag).toBe("Linearizable")
  })

  it("records one history operation per logical operation, with its first send and final ok", () => {
    const store = perfectStore()
    const run = drive(testConfig({ replicas: 3, requests: 10, lifetime: 1, mix: 0 }), 3, (self, m) => [store(self, m)])
    run.runUntil()
    const history = run.result().history
    expect(history.map((op) => op.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(history.map((op) => op.invokedAt)).toEqual(run.requests.map((r) => r.at))
    for (const [i, op] of history.entries()) {
      const sent = run.requests[i]?.message
      expect(op.kind).toBe("put")
      expect(op.client).toBe(sent?.["src"])
      expect(op.key).toBe(sent?.["key"])
      expect(op.value).toBe(sent?.["value"])
      expect(op.key).toHaveLength(32)
      expect(op.value).toHaveLength(32)
      expect(op.outcome).toEqual({ _tag: "Ok", respondedAt: op.invokedAt })
    }
  })
})
