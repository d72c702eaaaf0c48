import { describe, expect, it } from "@effect/vitest"
import type { ChaosEvent } from "../../src/domain/harness/config.ts"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { type Driver, drive, ids, leaderScript, type Script, testConfig } from "./scripted.ts"

const [R0, R1, R2, R3, R4] = ids(5) as [NodeId, NodeId, NodeId, NodeId, NodeId]

/** start_wait 1 s, so an event at `time` seconds fires at 1000 + 1000 × time ms. */
const withEvents = (events: ReadonlyArray<ChaosEvent>) => testConfig({ events, requests: 100, lifetime: 10 })

const probe = (from: NodeId, to: NodeId) => JSON.stringify({ src: from, dst: to, leader: R2, type: "probe" })

describe("events", () => {
  it("kill_leader kills the replica the harness believes leads, and clients forget their leader", () => {
    // Once R2 is gone the others serve requests themselves, as if one of them had been elected.
    const led = leaderScript(R2)
    let driver: Driver | undefined
    const script: Script = (self, m) =>
      driver?.killed.includes(R2) === true && (m["type"] === "put" || m["type"] === "get")
        ? [{ src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"], value: "" }]
        : led(self, m)
    const run = drive(withEvents([{ type: "kill_leader", time: 5 }]), 5, script)
    driver = run
    run.runUntil(5_999)
    expect(run.harness.leader).toBe(R2)
    // A client adopts R2 from its first response (redirect or ok), and from then on goes straight to it.
    const heardBack = new Set<unknown>()
    for (const request of run.requests) {
      const client = request.message["src"]
      if (heardBack.has(client)) expect([request.to, request.message["leader"]]).toEqual([R2, R2])
      heardBack.add(client)
    }
    expect(heardBack.size).toBe(8)
    expect(run.killed).toEqual([])
    run.runUntil(6_000)
    expect(run.killed).toEqual([R2])
    // The request due at the same instant goes out after the kill, to whoever is still there.
    const next = run.requests.find((r) => r.at >= 6_000)
    expect(next?.message["leader"]).toBe(BROADCAST)
    expect(next?.to).not.toBe(R2)
    run.runUntil()
    const result = run.result()
    expect(result.stats.killed).toEqual([R2])
    expect(result.stats.died).toEqual([])
    expect(result.checks.find((c) => c.id === "crashes")?.passed).toBe(true)
  })

  it("kill_leader does nothing while no leader is known", () => {
    const run = drive(withEvents([{ type: "kill_leader", time: 0 }]), 5, () => [])
    run.runUntil()
    expect(run.killed).toEqual([])
  })

  it("kill_non_leader kills a living replica other than the leader", () => {
    const events: ReadonlyArray<ChaosEvent> = [1, 2, 3, 4].map((time) => ({ type: "kill_non_leader", time }))
    const run = drive(withEvents(events), 9, leaderScript(R0))
    run.runUntil()
    expect(run.killed).toHaveLength(4)
    expect(new Set(run.killed)).toEqual(new Set([R1, R2, R3, R4]))
    expect(run.result().stats.killed).toHaveLength(4)
  })

  it("a partition blocks replica-to-replica traffic across sides only", () => {
    const run = drive(withEvents([{ type: "part_hard", time: 0 }, { type: "part_end", time: 5 }]), 3, () => [])
    run.runUntil(1_000)
    const all = ids(5)
    const reaches = (a: NodeId, b: NodeId) => run.send(a, probe(a, b)).some((e) => e._tag === "Deliver" && e.to === b)
    const side = all.filter((b) => reaches(R0, b) || b === R0)
    const other = all.filter((b) => !side.includes(b))
    expect([side.length, other.length].sort()).toEqual([2, 3])
    for (const a of all) {
      for (const b of all) {
        if (a !== b) expect(reaches(a, b)).toBe(side.includes(a) === side.includes(b))
      }
    }
    const blocked = run.result().stats.blockedMsgs
    expect(blocked).toBeGreaterThan(0)
    run.runUntil(6_000)
    for (const a of all) for (const b of all) if (a !== b) expect(reaches(a, b)).toBe(true)
    expect(run.result().stats.blockedMsgs).toBe(blocked)
  })

  it("clients reach and hear from replicas on both sides of a partition", () => {
    const run = drive(
      withEvents([{ type: "part_hard", time: 0 }]),
      3,
      (self, m) => (m["type"] === "put" ? [{ src: self, dst: m["src"], leader: BROADCAST, type: "ok", MID: m["MID"] }] : [])
    )
    run.runUntil()
    const s = run.result().stats
    expect(new Set(run.requests.map((r) => r.to)).size).toBe(5)
    expect(s.puts.ok).toBe(s.puts.generated)
    expect(s.incorrect).toBe(0)
  })

  it("during a partition the harness learns the leader only from the majority side", () => {
    const run = drive(withEvents([{ type: "part_hard", time: 0 }]), 3, () => [])
    run.runUntil(1_000)
    const all = ids(5)
    const reaches = (a: NodeId, b: NodeId) => run.send(a, probe(a, b)).some((e) => e._tag === "Deliver" && e.to === b)
    const sideOfR0 = all.filter((b) => b === R0 || reaches(R0, b))
    const majority = sideOfR0.length === 3 ? sideOfR0 : all.filter((b) => !sideOfR0.includes(b))
    const minority = all.filter((b) => !majority.includes(b))
    const claim = (from: NodeId, leader: NodeId) => run.send(from, JSON.stringify({ src: from, dst: from, leader, type: "x" }))
    claim(majority[0] as NodeId, majority[1] as NodeId)
    expect(run.harness.leader).toBe(majority[1])
    claim(minority[0] as NodeId, minority[0] as NodeId)
    expect(run.harness.leader).toBe(majority[1])
  })

  it("part_easy keeps the current leader on the majority side", () => {
    for (let seed = 0; seed < 20; seed++) {
      const run = drive(withEvents([{ type: "part_easy", time: 0 }]), seed, () => [])
      run.send(R4, JSON.stringify({ src: R4, dst: R4, leader: R3, type: "x" }))
      run.runUntil(1_000)
      const peers = ids(5).filter((b) => b !== R3 && run.send(R3, probe(R3, b)).some((e) => e._tag === "Deliver"))
      expect(peers).toHaveLength(2)
    }
  })

  it("part_hard makes clients forget their leader; part_easy does not", () => {
    const forgets = (type: "part_hard" | "part_easy") => {
      const run = drive(withEvents([{ type, time: 5 }]), 5, leaderScript(R1))
      run.runUntil(6_000)
      return run.requests.find((r) => r.at >= 6_000)?.message["leader"]
    }
    expect(forgets("part_hard")).toBe(BROADCAST)
    expect(forgets("part_easy")).toBe(R1)
  })

  it("a replica that exits on its own fails check 2; one the harness killed does not", () => {
    const run = drive(withEvents([{ type: "kill_leader", time: 1 }]), 5, () => [])
    run.send(R1, JSON.stringify({ src: R1, dst: R2, leader: R0, type: "x" }))
    run.runUntil(3_000)
    run.harness.onReplicaExit(R0, 3_000)
    run.harness.onReplicaExit(R3, 3_000)
    run.runUntil()
    const result = run.result()
    expect(result.stats.killed).toEqual([R0])
    expect(result.stats.died).toEqual([R3])
    expect(result.checks.find((c) => c.id === "crashes")).toMatchObject({ passed: false, detail: "died: 0003" })
    expect(result.correct).toBe(false)
    // Nothing more is sent to a replica that died.
    expect(run.requests.filter((r) => r.at > 3_000 && r.to === R3)).toEqual([])
  })

  describe("failover time", () => {
    /** Every replica answers every request with ok from one shared map, naming itself leader. */
    const servesAll = (): Script => {
      const data = new Map<string, string>()
      return (self, m) => {
        if (m["type"] !== "put" && m["type"] !== "get") return []
        if (m["type"] === "put") data.set(String(m["key"]), String(m["value"]))
        return [{ src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"], value: data.get(String(m["key"])) ?? "" }]
      }
    }

    it("runs from a leader kill to the first ok from a survivor", () => {
      // R2 leads; once it is killed (at 6,000 ms) the others stay silent until 6,400 ms.
      const led = leaderScript(R2)
      const survivors = servesAll()
      let driver: Driver | undefined
      const script: Script = (self, m) => {
        const now = driver?.now() ?? 0
        if (driver?.killed.includes(R2) !== true) return led(self, m)
        return now >= 6_400 ? survivors(self, m) : []
      }
      const run = drive(withEvents([{ type: "kill_leader", time: 5 }]), 5, script)
      driver = run
      run.runUntil()
      const firstServed = run.requests.find((r) => r.at >= 6_400)
      expect(run.result().stats.recoveries).toEqual([
        { event: "kill_leader", atMs: 5_000, servedAfterMs: 400, servedBy: firstServed?.to }
      ])
    })

    it("after a hard partition counts only an ok from the majority side", () => {
      let minorityFirst = 0
      for (let seed = 0; seed < 10; seed++) {
        const run = drive(withEvents([{ type: "part_hard", time: 2 }, { type: "part_end", time: 8 }]), seed, servesAll())
        run.runUntil(3_000)
        const all = ids(5)
        const reaches = (a: NodeId, b: NodeId) => run.send(a, probe(a, b)).some((e) => e._tag === "Deliver" && e.to === b)
        const sideOfR0 = all.filter((b) => b === R0 || reaches(R0, b))
        const majority = sideOfR0.length === 3 ? sideOfR0 : all.filter((b) => !sideOfR0.includes(b))
        run.runUntil()
        const afterCut = run.requests.filter((r) => r.at >= 3_000)
        const firstMajority = afterCut.find((r) => majority.includes(r.to))
        if (!majority.includes(afterCut[0]?.to as NodeId)) minorityFirst++
        expect(run.result().stats.recoveries).toEqual([
          { event: "part_hard", atMs: 2_000, servedAfterMs: (firstMajority?.at ?? NaN) - 3_000, servedBy: firstMajority?.to }
        ])
      }
      // Some runs must have had an ok from the minority side first, or this proves nothing.
      expect(minorityFirst).toBeGreaterThan(0)
    })

    it("stays open when no ok comes after the disruption, and a kill with no leader known is none", () => {
      const led = leaderScript(R0)
      let driver: Driver | undefined
      const silentOnceR0Dies: Script = (self, m) => (driver?.killed.includes(R0) === true ? [] : led(self, m))
      const run = drive(withEvents([{ type: "kill_leader", time: 1 }, { type: "part_hard", time: 4 }]), 5, silentOnceR0Dies)
      driver = run
      run.runUntil()
      expect(run.killed).toEqual([R0])
      expect(run.result().stats.recoveries).toEqual([
        { event: "kill_leader", atMs: 1_000, servedAfterMs: undefined, servedBy: undefined },
        { event: "part_hard", atMs: 4_000, servedAfterMs: undefined, servedBy: undefined }
      ])
      const none = drive(withEvents([{ type: "kill_leader", time: 0 }]), 5, () => [])
      none.runUntil()
      expect(none.result().stats.recoveries).toEqual([])
    })
  })
})
