import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import type { NodeId } from "../../../src/domain/ids.ts"
import { defaultTiming } from "../../../src/domain/raft/timing.ts"
import type { KvCommand, KvOutcome } from "../../../src/services/KvNode.ts"
import { startDurableCluster, type RunningNode } from "../../support/durableCluster.ts"

const ELECTION_BOUND = defaultTiming.electionMax * 2

type Cluster = Effect.Effect.Success<ReturnType<typeof startDurableCluster>>

/** Submits a command and moves virtual time until it is answered. */
const submit = (node: RunningNode, command: KvCommand) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(node.kv.submit(command))
    yield* TestClock.adjust(50)
    return yield* Fiber.join(fiber)
  })

const leaderOf = (cluster: Cluster): RunningNode => {
  const leaders = [...cluster.nodes.values()].filter((node) => node.shell.state().role === "leader")
  expect(leaders).toHaveLength(1)
  return leaders[0]!
}

const done = (value?: string): KvOutcome => (value === undefined ? { _tag: "Done" } : { _tag: "Done", value })

describe("cluster-mode nodes on durable memory disks", () => {
  it.effect("answers puts, gets and deletes through KvNode; a follower redirects to the leader", () =>
    Effect.gen(function* () {
      const cluster = yield* startDurableCluster(3, 1)
      yield* TestClock.adjust(ELECTION_BOUND)
      const leader = leaderOf(cluster)
      const follower = [...cluster.nodes.values()].find((node) => node !== leader)!
      expect(yield* submit(leader, { kind: "put", key: "k", value: "v" })).toEqual(done())
      expect(yield* submit(leader, { kind: "get", key: "k" })).toEqual(done("v"))
      expect(yield* submit(leader, { kind: "get", key: "never" })).toEqual(done())
      expect(yield* submit(leader, { kind: "delete", key: "k" })).toEqual(done())
      expect(yield* submit(leader, { kind: "get", key: "k" })).toEqual(done())
      expect(yield* submit(follower, { kind: "get", key: "k" })).toEqual({ _tag: "NotLeader", leader: leader.shell.state().config.self })
      expect((yield* leader.kv.status).role).toBe("leader")
    })
  )

  it.effect("a session's put retried after it was applied takes effect once", () =>
    Effect.gen(function* () {
      const cluster = yield* startDurableCluster(3, 2)
      yield* TestClock.adjust(ELECTION_BOUND)
      const leader = leaderOf(cluster)
      const session = { client: "c1", sequence: 7 }
      expect(yield* submit(leader, { kind: "put", key: "k", value: "first", session })).toEqual(done())
      expect(yield* submit(leader, { kind: "put", key: "k", value: "second" })).toEqual(done())
      expect(yield* submit(leader, { kind: "put", key: "k", value: "first", session })).toEqual(done())
      expect(yield* submit(leader, { kind: "get", key: "k" })).toEqual(done("second"))
    })
  )

  it.effect("a node killed and restarted on its disk keeps its vote and every acknowledged write; so does a whole cluster", () =>
    Effect.gen(function* () {
      const cluster = yield* startDurableCluster(3, 3)
      yield* TestClock.adjust(ELECTION_BOUND)
      const leader = leaderOf(cluster)
      for (let i = 0; i < 5; i++) expect(yield* submit(leader, { kind: "put", key: `k${i}`, value: `v${i}` })).toEqual(done())
      // Heartbeats bring both followers up to date: the victim has acknowledged every put.
      yield* TestClock.adjust(ELECTION_BOUND)
      const victim = cluster.ids.find((id) => id !== leader.shell.state().config.self)!
      const before = cluster.nodes.get(victim)!.shell.state()
      expect(before.votedFor).toBeDefined()
      yield* cluster.kill(victim)
      expect(yield* submit(leader, { kind: "put", key: "k5", value: "v5" })).toEqual(done())

      const restarted = (yield* cluster.start(victim)).shell.state()
      expect([restarted.term, restarted.votedFor]).toEqual([before.term, before.votedFor])
      expect(restarted.log.entries.map((entry) => entry.key)).toEqual(expect.arrayContaining(["k0", "k1", "k2", "k3", "k4"]))
      expect(restarted.log.entries).toEqual(before.log.entries)

      for (const id of cluster.ids) yield* cluster.kill(id as NodeId)
      for (const id of cluster.ids) yield* cluster.start(id as NodeId)
      yield* TestClock.adjust(ELECTION_BOUND)
      const next = leaderOf(cluster)
      for (let i = 0; i <= 5; i++) expect(yield* submit(next, { kind: "get", key: `k${i}` })).toEqual(done(`v${i}`))
    })
  )
})
