import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { CLIENT_COUNT } from "../../src/domain/harness/harness.ts"
import type { Operation } from "../../src/domain/history/operation.ts"
import { BROADCAST, clientId, type NodeId } from "../../src/domain/ids.ts"
import { type Driver, drive, ids, type Message, type Script, testConfig } from "./scripted.ts"

const md5 = (text: string): string => createHash("md5").update(text).digest("hex")
const [R0, R1, R2, R3, R4] = ids(5) as [NodeId, NodeId, NodeId, NodeId, NodeId]

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
    expect(s.gets.ok + s.puts.ok).toBe(200)
    expect(s.gets.ok).toBeGreaterThan(50)
    expect(s.incorrect).toBe(0)
    expect(s.failures).toBe(0)
    expect(s.unanswered).toEqual([])
    expect(s.latency?.samples).toBe(200)
    expect(run.result().linearizability._tag).toBe("Linearizable")
  })

  it("counts generated gets and puts by what was drawn, as the reference does: a get drawn with no key to read is sent as a put", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => [store(self, m)])
    run.runUntil()
    const result = run.result()
    const s = result.stats
    const ops = (kind: "get" | "put") => result.history.filter((op) => op.kind === kind).length
    expect(s.gets.generated + s.puts.generated).toBe(200)
    // Each client's first draws come before it has a key of its own.
    expect(s.gets.failedToGenerate).toBeGreaterThan(0)
    expect(ops("get")).toBe(s.gets.generated - s.gets.failedToGenerate)
    expect(ops("put")).toBe(s.puts.generated + s.gets.failedToGenerate)
    // ok counts the operations of that kind that completed.
    expect(s.gets.ok).toBe(ops("get"))
    expect(s.puts.ok).toBe(ops("put"))
  })

  it("draws 32-character [A-Z0-9] keys and MD5 values (of the key when new, of the acknowledged value on update), with fresh 16-character MIDs", () => {
    const store = perfectStore()
    const run = drive(testConfig({ replicas: 3, requests: 200, mix: 0.2 }), 5, (self, m) => [store(self, m)])
    run.runUntil()
    const puts = run.result().history.filter((op) => op.kind === "put")
    const answeredAt = (op: Operation) => (op.outcome._tag === "Ok" ? op.outcome.respondedAt : Infinity)
    let created = 0
    let updated = 0
    for (const op of puts) {
      expect(op.key).toMatch(/^[A-Z0-9]{32}$/)
      // The client's latest put to the key acknowledged by the time this one was drawn. Answers
      // are routed after everything their wake-up fired, so that is strictly before it.
      const acknowledged = puts.filter((p) => p.client === op.client && p.key === op.key && answeredAt(p) < op.invokedAt).at(-1)
      if (acknowledged === undefined) {
        created++
        expect(op.value).toBe(md5(op.key))
      } else {
        updated++
        expect(op.value).toBe(md5(acknowledged.value as string))
      }
    }
    expect(created).toBeGreaterThan(20)
    expect(updated).toBeGreaterThan(20)
    const mids = run.requests.map((r) => String(r.message["MID"]))
    for (const mid of mids) expect(mid).toMatch(/^[A-Z0-9]{16}$/)
    expect(new Set(mids).size).toBe(mids.length)
  })

  it("with keys_per_client (kvsim only), a client holding that many acknowledged keys only updates them", () => {
    const LIMIT = 3
    const written = (limit?: number) => {
      const store = perfectStore()
      let driver: Driver | undefined
      // Per client, each key it put and when. The store answers at once, so the keys a client put
      // before the current wake-up are exactly those it had acknowledged when it drew.
      const putBy = new Map<unknown, Map<string, number>>()
      let beyondLimit = 0
      let puts = 0
      const run = drive({ ...config, requests: 400, keys_per_client: limit }, 7, (self, m) => {
        if (m["type"] === "put") {
          puts++
          const now = driver?.now() ?? 0
          const keys = putBy.get(m["src"]) ?? new Map<string, number>()
          putBy.set(m["src"], keys)
          const key = String(m["key"])
          if (!keys.has(key)) {
            if ([...keys.values()].filter((at) => at < now).length >= LIMIT) beyondLimit++
            keys.set(key, now)
          }
        }
        return [store(self, m)]
      })
      driver = run
      run.runUntil()
      expect(run.result().stats.failures).toBe(0)
      const counts = [...putBy.values()].map((keys) => keys.size)
      return { keys: counts.reduce((a, b) => a + b, 0), atLimit: counts.filter((n) => n >= LIMIT).length, beyondLimit, puts }
    }
    const unlimited = written()
    const limited = written(LIMIT)
    // Without the limit clients do create keys beyond the third, or this would prove nothing.
    expect(unlimited.beyondLimit).toBeGreaterThan(0)
    expect(unlimited.keys).toBeGreaterThan(60)
    expect(limited.beyondLimit).toBe(0)
    expect(limited.atLimit).toBe(CLIENT_COUNT)
    // A new key drawn in the same wake-up as the client's third (not yet acknowledged) may make four.
    expect(limited.keys).toBeLessThan(4 * CLIENT_COUNT)
    // Still about as many puts as without the limit.
    expect(Math.abs(limited.puts - unlimited.puts)).toBeLessThan(unlimited.puts / 5)
  })

  it("with max_value_bytes (kvsim only), values are the reference's MD5 stretched by chained MD5s to 32..N bytes, and the draws are the same", () => {
    const MAX = 300
    const puts = (maxValueBytes?: number) => {
      const store = perfectStore()
      const run = drive({ ...config, requests: 400, max_value_bytes: maxValueBytes }, 7, (self, m) => [store(self, m)])
      run.runUntil()
      expect(run.result().stats.incorrect).toBe(0)
      return run.result().history.filter((op) => op.kind === "put")
    }
    const reference = puts()
    const stretched = puts(MAX)
    // The same operations, keys and clients: stretching spends no random draw.
    expect(stretched.map((op) => [op.client, op.key, op.invokedAt])).toEqual(reference.map((op) => [op.client, op.key, op.invokedAt]))
    const answeredAt = (op: Operation) => (op.outcome._tag === "Ok" ? op.outcome.respondedAt : Infinity)
    for (const op of stretched) {
      const value = op.value as string
      const acknowledged = stretched.filter((p) => p.client === op.client && p.key === op.key && answeredAt(p) < op.invokedAt).at(-1)
      // The reference's value of what the reference hashes, then MD5s of the MD5 before.
      expect(value.slice(0, 32)).toBe(md5(acknowledged === undefined ? op.key : acknowledged.value as string))
      if (value.length >= 64) expect(value.slice(32, 64)).toBe(md5(value.slice(0, 32)))
    }
    const lengths = stretched.map((op) => (op.value as string).length)
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(32)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(MAX)
    expect(Math.max(...lengths)).toBeGreaterThan(MAX - 30)
    expect(new Set(lengths).size).toBeGreaterThan(50)
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

  it("counts a response to a MID completed for any client as a duplicate, even one addressed to another client", () => {
    const store = perfectStore()
    const clients = Array.from({ length: CLIENT_COUNT }, (_, i) => clientId(3, i))
    const run = drive(config, 7, (self, m) => {
      const reply = store(self, m)
      const other = clients[(clients.indexOf(m["src"] as NodeId) + 1) % CLIENT_COUNT]
      // The copy comes second: before the MID is completed, another client would not know it.
      return [reply, { ...reply, dst: other }]
    })
    run.runUntil()
    const s = run.result().stats
    expect(s.duplicates).toBe(200)
    expect(s.incorrect).toBe(0)
    expect(s.gets.ok + s.puts.ok).toBe(200)
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

  it("leaves requests nobody answers unanswered to the end, counts them as failures and says why", () => {
    const store = perfectStore()
    const run = drive(config, 7, (self, m) => (m["type"] === "get" ? [] : [store(self, m)]))
    run.runUntil()
    const result = run.result()
    const s = result.stats
    const gets = result.history.filter((op) => op.kind === "get")
    expect(gets.length).toBeGreaterThan(0)
    expect(s.gets.unanswered).toBe(gets.length)
    expect(s.puts.unanswered).toBe(0)
    expect(s.failures).toBe(gets.length)
    expect(result.checks.find((c) => c.id === "unanswered")?.passed).toBe(false)
    const unknown = result.history.filter((op) => op.outcome._tag === "Unknown")
    expect(unknown).toEqual(gets)
    // Each was sent to a replica that stayed up and simply never answered.
    expect(s.unanswered).toHaveLength(gets.length)
    expect(s.unanswered.every((u) => u.kind === "get" && u.cause === "never-answered")).toBe(true)
    // Sent times count from the start of the request phase (start_wait 1 s), as event times do.
    expect(s.unanswered.map((u) => u.sentAtMs)).toEqual(gets.map((op) => op.invokedAt - 1_000))
    expect(new Set(s.unanswered.map((u) => u.mid))).toEqual(
      new Set(run.requests.filter((r) => r.message["type"] === "get").map((r) => r.message["MID"]))
    )
  })

  it("re-sends after a fail with a new MID, counts the fail as a failure and as a redirect, and keeps one history operation", () => {
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
    // The reference counts every fail as a redirect too.
    expect(s.redirects).toBe(failedOnce.size)
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
    const result = run.result()
    const s = result.stats
    expect(s.gets.ok).toBe(result.history.filter((op) => op.kind === "get").length)
    expect(s.gets.ok).toBeGreaterThan(0)
    expect(s.incorrect).toBe(s.gets.ok)
    expect(s.incorrectByReason).toEqual([{ reason: "wrong-value", count: s.gets.ok }])
    // The checker sees the impossible read too, and a violation fails correctness on its own.
    expect(result.linearizability._tag).toBe("Violation")
    expect(result.checks.find((c) => c.id === "linearizability")?.passed).toBe(false)
    expect(result.correct).toBe(false)
  })

  it("flags a get that sees the value of the client's own put still in flight, as the reference does, though the history is linearizable", () => {
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
    const s = run.result().stats
    expect(sawUnacknowledged).toBeGreaterThan(0)
    // Only the value of the client's latest acknowledged put is right: the reference's rule.
    expect(s.incorrect).toBe(sawUnacknowledged)
    expect(s.incorrectByReason).toEqual([{ reason: "wrong-value", count: sawUnacknowledged }])
    // The checker is the lenient one: an unacknowledged put may take effect any time after it was sent.
    expect(run.result().linearizability._tag).toBe("Linearizable")
  })

  it("judges a get by the puts acknowledged when its answer arrives, not when it was sent", () => {
    const data = new Map<string, string>()
    const held: Array<{ readonly to: NodeId; readonly message: Message }> = []
    // New keys are acknowledged at once; updates and gets are held, to be answered later in a chosen order.
    const script: Script = (self, m) => {
      const key = String(m["key"])
      if (m["type"] === "put" && !data.has(key)) {
        data.set(key, String(m["value"]))
        return [{ src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"] }]
      }
      if (m["type"] === "put" || m["type"] === "get") held.push({ to: self, message: m })
      return []
    }
    const run = drive(testConfig({ replicas: 3, requests: 200, mix: 0.5 }), 11, script)
    // The last request fires at 11,000 ms; the run ends at 12,000 ms.
    run.runUntil(11_500)
    const answer = ({ to, message }: { readonly to: NodeId; readonly message: Message }, value?: string) =>
      run.send(to, JSON.stringify({ src: to, dst: message["src"], leader: to, type: "ok", MID: message["MID"], value }))
    // Every held update first (all those of one key carry one value: the MD5 of the acknowledged one)…
    const updated = new Map<string, string>()
    for (const request of held.filter((r) => r.message["type"] === "put")) {
      answer(request)
      updated.set(`${String(request.message["src"])}/${String(request.message["key"])}`, String(request.message["value"]))
    }
    // …then every get, with the value of an update acknowledged after the get was sent where there is one.
    let laterValue = 0
    for (const request of held.filter((r) => r.message["type"] === "get")) {
      const later = updated.get(`${String(request.message["src"])}/${String(request.message["key"])}`)
      if (later !== undefined) laterValue++
      answer(request, later ?? data.get(String(request.message["key"])))
    }
    run.runUntil()
    expect(laterValue).toBeGreaterThan(0)
    const result = run.result()
    expect(result.stats.incorrect).toBe(0)
    expect(result.stats.unanswered).toEqual([])
    expect(result.linearizability._tag).toBe("Linearizable")
  })

  it("resets a client's belief in a leader that is not living before building its request: it names FFFF and goes to a random living replica", () => {
    // Every replica answers naming 0003 the leader, but 0003 never says hello: the first request
    // a client sends it cannot be delivered, and the harness takes 0003 for dead.
    const data = new Map<string, string>()
    const run = drive(testConfig({ requests: 100, mix: 0.5 }), 3, (self, m) => {
      const key = String(m["key"])
      if (m["type"] === "put") data.set(key, String(m["value"]))
      return [{ src: self, dst: m["src"], leader: R3, type: "ok", MID: m["MID"], value: data.get(key) ?? "" }]
    }, { helloFrom: [R0, R1, R2, R4] })
    run.runUntil()
    const s = run.result().stats
    expect(s.died).toEqual([R3])
    expect(s.unanswered).toEqual([expect.objectContaining({ sentTo: R3, cause: "not-delivered" })])
    expect(run.requests).toHaveLength(99)
    // Clients that had been answered believed 0003; once it is not living they drop that belief first.
    const answered = new Set<unknown>()
    let afterAnswer = 0
    for (const request of run.requests) {
      if (answered.has(request.message["src"])) afterAnswer++
      answered.add(request.message["src"])
      expect(request.message["leader"]).toBe(BROADCAST)
    }
    expect(afterAnswer).toBeGreaterThan(80)
    expect(new Set(run.requests.map((r) => r.to))).toEqual(new Set([R0, R1, R2, R4]))
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
