import { describe, expect, it } from "@effect/vitest"
import type { HarnessEffect } from "../../src/domain/harness/effects.ts"
import { Harness } from "../../src/domain/harness/harness.ts"
import { BROADCAST, clientId, type NodeId } from "../../src/domain/ids.ts"
import { drive, hello, ids, testConfig } from "./scripted.ts"

const [R0, R1, R2, R3, R4] = ids(5) as [NodeId, NodeId, NodeId, NodeId, NodeId]
const silent = () => []

const datagram = (src: NodeId, dst: NodeId, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ src, dst, leader: BROADCAST, type: "append", ...extra })

const deliveredTo = (effects: ReadonlyArray<HarnessEffect>): Array<NodeId> =>
  effects.flatMap((e) => (e._tag === "Deliver" ? [e.to] : []))

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

  it("delivers nothing to a replica before its hello, yet counts the message", () => {
    const run = drive(testConfig(), 1, silent, { helloFrom: [R0, R1] })
    expect(deliveredTo(run.send(R0, datagram(R0, BROADCAST)))).toEqual([R1])
    expect(run.send(R0, datagram(R0, R2))).toEqual([])
    expect(run.result().stats.totalMsgs).toBe(5)
    run.send(R2, hello(R2))
    expect(deliveredTo(run.send(R0, datagram(R0, R2)))).toEqual([R2])
    expect(run.harness.hasSaidHello(R2)).toBe(true)
    expect(run.harness.hasSaidHello(R3)).toBe(false)
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
      datagram(R1, R2),
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
      "src-mismatch": 1,
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

  it("ends the run by time at start_wait + lifetime + end_wait", () => {
    const run = drive(testConfig({ start_wait: 2, lifetime: 3, end_wait: 4, requests: 0 }), 1, silent)
    expect(run.harness.nextTimerAt()).toBe(9_000)
    expect(run.harness.onTimer(8_999)).toEqual([])
    expect(run.harness.onTimer(9_000)).toEqual([{ _tag: "Finish" }])
    expect(run.harness.result(9_000).endedBy).toBe("time")
  })

  it("spaces requests evenly over the request phase", () => {
    const run = drive(testConfig({ start_wait: 1, lifetime: 2, requests: 4 }), 1, silent)
    run.runUntil()
    expect(run.requests.map((r) => r.at)).toEqual([1_000, 1_500, 2_000, 2_500])
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

  it("ignores datagrams from a replica after it is gone", () => {
    const harness = new Harness(testConfig(), { seed: 1 })
    for (const id of ids(5)) harness.onReplicaDatagram(0, id, hello(id))
    harness.onReplicaExit(R1, 5)
    expect(harness.onReplicaDatagram(6, R1, datagram(R1, R0))).toEqual([])
    expect(harness.result(7).stats.totalMsgs).toBe(0)
    expect(harness.result(7).stats.died).toEqual([R1])
  })
})
