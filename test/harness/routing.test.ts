import { describe, expect, it } from "@effect/vitest"
import type { HarnessCommand } from "../../src/domain/harness/commands.ts"
import { Harness, RECV_WAIT_MS } from "../../src/domain/harness/harness.ts"
import { BROADCAST, clientId, type NodeId } from "../../src/domain/ids.ts"
import { drive, hello, ids, testConfig } from "./scripted.ts"

const [R0, R1, R2, R3, R4] = ids(5) as [NodeId, NodeId, NodeId, NodeId, NodeId]
const silent = () => []

const datagram = (src: NodeId, dst: NodeId, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ src, dst, leader: BROADCAST, type: "append", ...extra })

const deliveredTo = (commands: ReadonlyArray<HarnessCommand>): Array<NodeId> =>
  commands.flatMap((e) => (e._tag === "Deliver" ? [e.to] : []))

describe("routing replica datagrams by dst", () => {
  it("counts a unicast as 1 and delivers it, text unchanged", () => {
    const run = drive(testConfig(), 1, silent)
    const text = datagram(R0, R3, { payload: [1, 2, 3] })
    expect(run.send(R0, text)).toEqual([{ _tag: "Deliver", from: R0, to: R3, datagram: text }])
    expect(run.result().stats.totalMsgs).toBe(1)
  })

  it("counts a broadcast as N−1 and sends one copy to every other replica", () => {
    const run = drive(testConfig(), 1, silent)
    expect(deliveredTo(run.send(R2, datagram(R2, BROADCAST)))).toEqual([R0, R1, R3, R4])
    expect(run.result().stats.totalMsgs).toBe(4)
  })

  it("delivers nothing to a replica before its hello, yet counts the message, and takes that replica for dead", () => {
    const run = drive(testConfig(), 1, silent, { helloFrom: [R0, R1] })
    expect(deliveredTo(run.send(R0, datagram(R0, BROADCAST)))).toEqual([R1])
    expect(run.send(R0, datagram(R0, R2))).toEqual([])
    expect(run.result().stats.totalMsgs).toBe(5)
    // The reference could not hand them the datagram, so it took them for dead: check 2 fails.
    expect(run.result().stats.died).toEqual([R2, R3, R4])
    expect(run.result().checks.find((c) => c.id === "crashes")).toMatchObject({ passed: false, detail: "died: 0002, 0003, 0004" })
    run.send(R2, hello(R2))
    expect(deliveredTo(run.send(R0, datagram(R0, R2)))).toEqual([R2])
    expect(run.harness.hasSaidHello(R2)).toBe(true)
    expect(run.harness.hasSaidHello(R3)).toBe(false)
    // Their sockets stay open: what they send is still routed, hello or not.
    expect(deliveredTo(run.send(R3, datagram(R3, R0)))).toEqual([R0])
    expect(run.result().stats.totalMsgs).toBe(7)
    // But clients no longer pick them, even R2 after its late hello.
    run.runUntil()
    expect(run.requests.length).toBe(100)
    expect(new Set(run.requests.map((r) => r.to))).toEqual(new Set([R0, R1]))
    expect(run.result().stats.died).toEqual([R2, R3, R4])
  })

  it("ends the run at the wake-up that leaves no replica living; requests with nowhere to go stay unanswered", () => {
    // Nobody says hello. Ten requests are due every 10 ms from 1,000 ms on, all fired in the
    // 1,100 ms wake-up: each of the first five takes one more replica for dead.
    const run = drive(testConfig({ requests: 100, lifetime: 1 }), 1, silent, { helloFrom: [] })
    run.runUntil()
    const result = run.result()
    expect(result).toMatchObject({ endedBy: "no living replica", durationMs: 1_100 })
    expect(run.requests).toEqual([])
    expect(new Set(result.stats.died)).toEqual(new Set(ids(5)))
    const { unanswered } = result.stats
    expect(unanswered).toHaveLength(10)
    const sent = unanswered.filter((u) => u.sentTo !== undefined)
    expect(sent.map((u) => u.sentTo).sort()).toEqual([...ids(5)])
    expect(sent.every((u) => u.cause === "not-delivered")).toBe(true)
    const nowhere = unanswered.filter((u) => u.sentTo === undefined)
    expect(nowhere).toHaveLength(5)
    expect(nowhere.every((u) => u.cause === "no-living-replica")).toBe(true)
    expect(result.history).toHaveLength(10)
  })

  it("routes by the datagram's claimed src, whatever socket it came in on, and does not count that as incorrect", () => {
    const run = drive(testConfig(), 1, silent)
    const claimsR1 = datagram(R1, R2)
    expect(run.send(R0, claimsR1)).toEqual([{ _tag: "Deliver", from: R0, to: R2, datagram: claimsR1 }])
    // A broadcast skips the claimed sender, not the socket's replica.
    expect(deliveredTo(run.send(R0, datagram(R1, BROADCAST)))).toEqual([R0, R2, R3, R4])
    const stats = run.result().stats
    expect(stats.totalMsgs).toBe(5)
    expect(stats.incorrect).toBe(0)
  })

  it("drops each copy of a broadcast independently with probability `drops`", () => {
    const run = drive(testConfig({ drops: 0.3 }), 42, silent)
    let delivered = 0
    const perCount = new Map<number, number>()
    for (let i = 0; i < 2_000; i++) {
      const copies = deliveredTo(run.send(R0, datagram(R0, BROADCAST))).length
      delivered += copies
      perCount.set(copies, (perCount.get(copies) ?? 0) + 1)
    }
    const stats = run.result().stats
    expect(stats.totalMsgs).toBe(8_000)
    expect(stats.droppedMsgs + delivered).toBe(8_000)
    // Binomial(8000, 0.3): the standard deviation is about 41, so ±240 is a six-sigma bound.
    expect(Math.abs(stats.droppedMsgs - 2_400)).toBeLessThan(240)
    // Independent copies: broadcasts losing 0, 1, 2, 3 and all 4 copies all occur.
    expect([...perCount.keys()].sort()).toEqual([0, 1, 2, 3, 4])
  })

  it("never drops client-bound datagrams or client requests, and does not count them", () => {
    const config = testConfig({ drops: 1, requests: 20, lifetime: 1 })
    const run = drive(config, 3, (self, m) => [{ src: self, dst: m["src"], leader: self, type: "ok", MID: m["MID"], value: "" }])
    run.runUntil()
    const stats = run.result().stats
    expect(run.requests.length).toBe(20)
    expect(stats.puts.ok + stats.gets.ok).toBe(20)
    expect(stats.totalMsgs).toBe(0)
    expect(stats.droppedMsgs).toBe(0)
  })

  it("counts invalid datagrams as incorrect and drops them", () => {
    const client = clientId(5, 0)
    const run = drive(testConfig(), 1, silent)
    const bad = [
      "not json",
      "[1,2]",
      "42",
      JSON.stringify({ src: R0, dst: R1, type: "append" }),
      JSON.stringify({ src: R0, dst: R1, leader: 7, type: "append" }),
      JSON.stringify({ src: R0, dst: "0g01", leader: BROADCAST, type: "append" }),
      JSON.stringify({ src: R0, dst: R1, leader: BROADCAST }),
      datagram(R0, "0100" as NodeId),
      JSON.stringify({ src: R0, dst: client, leader: R0, type: "ok" })
    ]
    for (const text of bad) expect(run.send(R0, text)).toEqual([])
    const stats = run.result().stats
    expect(stats.incorrect).toBe(bad.length)
    expect(stats.totalMsgs).toBe(0)
    expect(Object.fromEntries(stats.incorrectByReason.map((r) => [r.reason, r.count]))).toEqual({
      "not-json": 1,
      "not-an-object": 2,
      "bad-envelope": 4,
      "unknown-dst": 1,
      "bad-response": 1
    })
    expect(stats.incorrectExamples).toHaveLength(5)
    expect(run.result().checks.find((c) => c.id === "incorrect")?.passed).toBe(false)
  })

  it("ends the run with Finish when total_msgs reaches max_packets, then ignores everything", () => {
    const run = drive(testConfig({ max_packets: 10 }), 1, silent)
    for (let i = 0; i < 2; i++) expect(run.send(R0, datagram(R0, BROADCAST)).some((e) => e._tag === "Finish")).toBe(false)
    expect(run.send(R0, datagram(R0, R1)).some((e) => e._tag === "Finish")).toBe(false)
    const last = run.send(R0, datagram(R0, R1))
    expect(last.filter((e) => e._tag === "Finish")).toHaveLength(1)
    expect(run.harness.isFinished).toBe(true)
    expect(run.harness.nextTimerAt()).toBeUndefined()
    expect(run.send(R0, datagram(R0, R1))).toEqual([])
    const result = run.result()
    expect(result.endedBy).toBe("max_packets")
    expect(result.stats.totalMsgs).toBe(10)
  })

  it("ends the run at the first wake-up at or past start_wait + lifetime + end_wait", () => {
    const config = testConfig({ start_wait: 2, lifetime: 3, end_wait: 4, requests: 0 })
    const idle = drive(config, 1, silent)
    idle.runUntil()
    // With nothing to route the loop wakes every 100 ms: the end, 9,000 ms, is one of those wake-ups.
    expect(idle.now()).toBe(9_000)
    expect(idle.result()).toMatchObject({ endedBy: "time", durationMs: 9_000 })

    const harness = new Harness(config, { seed: 1 })
    for (const id of ids(5)) harness.onReplicaDatagram(0, id, hello(id))
    expect(harness.onReplicaDatagram(8_950, R0, datagram(R0, R1)).some((e) => e._tag === "Finish")).toBe(false)
    // The next idle wake-up is at 9,050, past the end: an earlier timer is a no-op.
    expect(harness.nextTimerAt()).toBe(9_050)
    expect(harness.onTimer(9_000)).toEqual([])
    expect(harness.isFinished).toBe(false)
    // A datagram wakes the loop as well: routed first, then the run is over.
    const text = datagram(R0, R1)
    expect(harness.onReplicaDatagram(9_010, R0, text)).toEqual([{ _tag: "Deliver", from: R0, to: R1, datagram: text }, { _tag: "Finish" }])
    expect(harness.nextTimerAt()).toBeUndefined()
    expect(harness.onTimer(9_050)).toEqual([])
    expect(harness.result(9_050)).toMatchObject({ endedBy: "time", durationMs: 9_010 })
  })

  it("fires each request at the first wake-up after it is due, the due times evenly spaced over the request phase", () => {
    const run = drive(testConfig({ start_wait: 1, lifetime: 2, requests: 4 }), 1, silent)
    run.runUntil()
    // Due at 1,000, 1,500, 2,000 and 2,500 ms; the idle loop wakes every 100 ms, and a request
    // due at the very instant of a wake-up waits for the next one.
    expect(run.requests.map((r) => r.at)).toEqual([1_100, 1_600, 2_100, 2_600])
  })
})

describe("the loop's wake-ups", () => {
  // Requests due every 100 ms from 1,000 ms on.
  const config = testConfig({ start_wait: 1, lifetime: 10, requests: 100 })
  const requestsIn = (commands: ReadonlyArray<HarnessCommand>) =>
    commands.filter((e) => e._tag === "Deliver" && e.from !== R0 && e.from !== R1).length
  const started = () => {
    const harness = new Harness(config, { seed: 1 })
    for (const id of ids(5)) harness.onReplicaDatagram(0, id, hello(id))
    return harness
  }

  it("wake up idle RECV_WAIT_MS after the last wake-up; an earlier timer is a no-op even with a request overdue", () => {
    const harness = started()
    expect(harness.nextTimerAt()).toBe(RECV_WAIT_MS)
    expect(harness.onTimer(99)).toEqual([])
    expect(requestsIn(harness.onTimer(1_100))).toBe(1)
    expect(harness.progress().requestsStarted).toBe(1)
    expect(harness.nextTimerAt()).toBe(1_200)
    // The request due at 1,100 ms is overdue at 1,150 ms, but the loop still sleeps.
    expect(harness.onTimer(1_150)).toEqual([])
    expect(harness.progress().requestsStarted).toBe(1)
    expect(requestsIn(harness.onTimer(1_200))).toBe(1)
    expect(harness.progress().requestsStarted).toBe(2)
  })

  it("fire everything due strictly before the wake-up, all at once", () => {
    const harness = started()
    // Due at 1,000 ms: not yet at a wake-up at 1,000 ms exactly.
    expect(requestsIn(harness.onReplicaDatagram(1_000, R0, datagram(R0, R1)))).toBe(0)
    expect(harness.progress().requestsStarted).toBe(0)
    expect(requestsIn(harness.onReplicaDatagram(1_000.5, R0, datagram(R0, R1)))).toBe(1)
    // Each routed datagram moves the next idle wake-up along.
    expect(harness.nextTimerAt()).toBe(1_100.5)
    expect(harness.onTimer(1_100)).toEqual([])
    expect(harness.progress().requestsStarted).toBe(1)
    // A long sleep: the requests due at 1,100, 1,200 and 1,300 ms go out together.
    expect(requestsIn(harness.onTimer(1_350))).toBe(3)
    expect(harness.progress().requestsStarted).toBe(4)
  })
})
describe("leader tracking", () => {
  it("believes the leader field of every replica datagram", () => {
    const run = drive(testConfig(), 1, silent)
    expect(run.harness.leader).toBe(BROADCAST)
    run.send(R3, JSON.stringify({ src: R3, dst: R1, leader: R2, type: "x" }))
    expect(run.harness.leader).toBe(R2)
    run.send(R1, JSON.stringify({ src: R1, dst: R3, leader: R4, type: "x" }))
    expect(run.harness.leader).toBe(R4)
    expect(run.result().stats.leaders).toEqual([R2, R4])
  })

  it("does not learn the leader from a hello, and forgets it on a datagram that names none", () => {
    const run = drive(testConfig(), 1, silent, { helloFrom: [] })
    run.send(R0, JSON.stringify({ src: R0, dst: BROADCAST, leader: R3, type: "hello" }))
    expect(run.harness.leader).toBe(BROADCAST)
    expect(run.harness.hasSaidHello(R0)).toBe(true)
    run.send(R1, JSON.stringify({ src: R1, dst: R1, leader: R3, type: "x" }))
    expect(run.harness.leader).toBe(R3)
    run.send(R1, JSON.stringify({ src: R1, dst: R1, leader: BROADCAST, type: "x" }))
    expect(run.harness.leader).toBe(BROADCAST)
    // Invalid datagrams teach nothing either.
    run.send(R1, JSON.stringify({ src: R1, dst: "0g01", leader: R2, type: "x" }))
    expect(run.harness.leader).toBe(BROADCAST)
    expect(run.result().stats.leaders).toEqual([R3])
  })

  it("ignores datagrams from a replica the harness killed, from the kill on", () => {
    const harness = new Harness(testConfig({ events: [{ type: "kill_leader", time: 0 }] }), { seed: 1 })
    for (const id of ids(5)) harness.onReplicaDatagram(0, id, hello(id))
    harness.onReplicaDatagram(10, R0, JSON.stringify({ src: R0, dst: R2, leader: R1, type: "x" }))
    expect(harness.leader).toBe(R1)
    // The kill is due at 1,000 ms and fires at the first wake-up after.
    expect(harness.onTimer(1_050).filter((e) => e._tag === "Kill")).toEqual([{ _tag: "Kill", replica: R1 }])
    expect(harness.onReplicaDatagram(1_051, R1, datagram(R1, R0))).toEqual([])
    expect(harness.onReplicaDatagram(1_052, R1, JSON.stringify({ src: R1, dst: R0, leader: R1, type: "x" }))).toEqual([])
    expect(harness.leader).toBe(BROADCAST)
    expect(harness.result(1_100).stats).toMatchObject({ totalMsgs: 1, killed: [R1], died: [] })
  })
})
