import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { lastIndex } from "../../src/domain/raft/log/log.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import { client, kill, leaders, startCluster, states } from "../support/memoryCluster.ts"

const CLIENT = "0015" as NodeId
/** Long enough for any election: the slowest timeout plus a couple of pre-vote rounds. */
const ELECTION_BOUND = defaultTiming.electionMax * 2

const expectOneLeaderPerTerm = (all: ReturnType<typeof states>) => {
  const byTerm = new Map<number, Array<string>>()
  for (const s of all) if (s.role === "leader") byTerm.set(s.term, [...(byTerm.get(s.term) ?? []), s.config.self])
  for (const ids of byTerm.values()) expect(ids).toHaveLength(1)
}

describe("a 5-replica cluster in memory under TestClock", () => {
  it.effect("elects exactly one leader, and every replica follows it", () =>
    Effect.gen(function* () {
      const cluster = yield* startCluster(5, 1)
      yield* TestClock.adjust(ELECTION_BOUND)
      const [leader, ...others] = leaders(cluster)
      expect(leader).toBeDefined()
      expect(others).toHaveLength(0)
      for (const s of states(cluster)) {
        expect(s.term).toBe(leader!.term)
        expect(s.leader).toBe(leader!.config.self)
      }
    })
  )

  it.effect("commits a put and serves it back with a get; followers redirect to the leader", () =>
    Effect.gen(function* () {
      const cluster = yield* startCluster(5, 2)
      yield* TestClock.adjust(ELECTION_BOUND)
      const leader = leaders(cluster)[0]!.config.self
      const follower = cluster.ids.find((id) => id !== leader)!
      const c = yield* client(cluster, CLIENT)
      yield* c.send({ dst: follower, leader: BROADCAST, type: "put", MID: "m0", key: "k", value: "v0" })
      yield* TestClock.adjust(1)
      expect(yield* c.received).toEqual([{ src: follower, dst: CLIENT, leader, type: "redirect", MID: "m0" }])
      yield* c.send({ dst: leader, leader, type: "put", MID: "m1", key: "k", value: "v1" })
      yield* TestClock.adjust(10)
      expect(yield* c.received).toEqual([{ src: leader, dst: CLIENT, leader, type: "ok", MID: "m1" }])
      yield* c.send({ dst: leader, leader, type: "get", MID: "m2", key: "k" })
      yield* TestClock.adjust(1)
      expect(yield* c.received).toEqual([{ src: leader, dst: CLIENT, leader, type: "ok", MID: "m2", value: "v1" }])
    })
  )

  it.effect("replaces a killed leader within a bounded time, keeping committed data", () =>
    Effect.gen(function* () {
      const cluster = yield* startCluster(5, 3)
      yield* TestClock.adjust(ELECTION_BOUND)
      const first = leaders(cluster)[0]!
      const c = yield* client(cluster, CLIENT)
      yield* c.send({ dst: first.config.self, leader: first.config.self, type: "put", MID: "a", key: "k", value: "before" })
      yield* TestClock.adjust(10)
      expect((yield* c.received).map((m) => m.type)).toEqual(["ok"])
      yield* kill(cluster, first.config.self)
      const alive = (id: NodeId) => id !== first.config.self
      yield* TestClock.adjust(ELECTION_BOUND)
      const [second, ...extra] = leaders(cluster, alive)
      expect(extra).toHaveLength(0)
      expect(second!.term).toBeGreaterThan(first.term)
      yield* c.send({ dst: second!.config.self, leader: second!.config.self, type: "get", MID: "b", key: "k" })
      yield* TestClock.adjust(10)
      expect(yield* c.received).toEqual([
        { src: second!.config.self, dst: CLIENT, leader: second!.config.self, type: "ok", MID: "b", value: "before" }
      ])
    })
  )

  it.effect("a leader cut off in a minority steps down and never commits; its waiting put is redirected once the healed cluster has overwritten it", () =>
    Effect.gen(function* () {
      const cluster = yield* startCluster(5, 4)
      yield* TestClock.adjust(ELECTION_BOUND)
      const old = leaders(cluster)[0]!.config.self
      const minority = [old, cluster.ids.find((id) => id !== old)!]
      cluster.network.partition(minority)
      const c = yield* client(cluster, CLIENT)
      yield* c.send({ dst: old, leader: old, type: "put", MID: "lost", key: "k", value: "minority" })
      yield* TestClock.adjust(ELECTION_BOUND)
      // Its fate is unknown while the partition lasts: answering now could let a retry apply twice.
      expect(yield* c.received).toEqual([])
      const inMinority = (id: NodeId) => minority.includes(id)
      expect(leaders(cluster, inMinority)).toHaveLength(0)
      for (const s of states(cluster, inMinority)) expect(s.commitIndex).toBeLessThan(lastIndex(s.log))
      const [majorityLeader, ...extra] = leaders(cluster, (id) => !inMinority(id))
      expect(extra).toHaveLength(0)
      expect(majorityLeader).toBeDefined()
      expectOneLeaderPerTerm(states(cluster))
      cluster.network.heal()
      yield* TestClock.adjust(ELECTION_BOUND)
      const answers = yield* c.received
      expect(answers.map((m) => [m.type, "MID" in m ? m.MID : "", m.leader])).toEqual([["redirect", "lost", majorityLeader!.config.self]])
    })
  )

  it.effect("a healed partition converges: one leader, identical committed logs, no disruption from the minority", () =>
    Effect.gen(function* () {
      const cluster = yield* startCluster(5, 5)
      yield* TestClock.adjust(ELECTION_BOUND)
      const leader = leaders(cluster)[0]!.config.self
      const isolated = cluster.ids.filter((id) => id !== leader).slice(0, 2)
      cluster.network.partition(isolated)
      const c = yield* client(cluster, CLIENT)
      for (let i = 0; i < 5; i++) {
        yield* c.send({ dst: leader, leader, type: "put", MID: `p${i}`, key: `k${i}`, value: `v${i}` })
        yield* TestClock.adjust(10)
      }
      expect((yield* c.received).map((m) => m.type)).toEqual(["ok", "ok", "ok", "ok", "ok"])
      yield* TestClock.adjust(ELECTION_BOUND)
      const termDuringPartition = leaders(cluster)[0]!.term
      cluster.network.heal()
      yield* TestClock.adjust(ELECTION_BOUND)
      const all = states(cluster)
      expect(leaders(cluster).map((s) => s.config.self)).toEqual([leader])
      expect(all.every((s) => s.term === termDuringPartition)).toBe(true)
      const reference = all.find((s) => s.role === "leader")!
      for (const s of all) {
        expect(s.commitIndex).toBe(reference.commitIndex)
        expect(s.log.entries).toEqual(reference.log.entries)
      }
    })
  )
})
