import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { type Context, Deferred, Effect, Fiber } from "effect"
import { replicaId, type NodeId } from "../../src/domain/ids.ts"
import { KvNode } from "../../src/services/KvNode.ts"
import { silentLog } from "../../src/services/ReplicaLog.ts"
import { clusterConfig, nodeLayer, runNode } from "../../src/programs/kvnode/serveNode.ts"
import { clusterOn, eventually, freePorts, testKey } from "../support/peers.ts"

type Kv = Context.Tag.Service<KvNode>

/**
 * Three nodes in this process, over real UDP on 127.0.0.1 and DiskStorage in temporary
 * directories, wired as `kvnode` wires them. Killing one interrupts its fiber: what an abrupt
 * kill leaves on disk is the same, since a node releases nothing before its writes are fsynced.
 */
describe("kvnode over UDP and disk", () => {
  it.live("a put acknowledged by the leader survives every node's kill and restart on its directory", () =>
    Effect.gen(function* () {
      const ports = yield* freePorts(3)
      const cluster = clusterOn(ports)
      const key = testKey()
      const root = mkdtempSync(join(tmpdir(), "kvnode-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
      const ids = ports.map((_, index) => replicaId(index))
      const start = (self: NodeId) =>
        Effect.gen(function* () {
          const published = yield* Deferred.make<Kv>()
          const api = Effect.flatMap(KvNode, (kv) => Deferred.succeed(published, kv)).pipe(Effect.zipRight(Effect.never))
          const fiber = yield* Effect.fork(
            runNode(clusterConfig(cluster, self), [api]).pipe(
              Effect.provide(nodeLayer({ cluster, self, key, directory: join(root, self) })),
              Effect.provide(silentLog)
            )
          )
          return { fiber, kv: yield* Deferred.await(published) }
        })
      const nodes = new Map<NodeId, { fiber: Fiber.RuntimeFiber<unknown, unknown>; kv: Kv }>()
      for (const id of ids) nodes.set(id, yield* start(id))

      const leaderOf = Effect.gen(function* () {
        let leader: NodeId | undefined
        yield* eventually(() => {
          leader = [...nodes].find(([, node]) => Effect.runSync(node.kv.status).role === "leader")?.[0]
          return leader !== undefined
        }, "a leader")
        return nodes.get(leader!)!.kv
      })
      expect(yield* (yield* leaderOf).submit({ kind: "put", key: "k", value: "durable" })).toEqual({ _tag: "Done" })

      // Every node killed, none of them shut down: what they acknowledged is on their disks.
      for (const id of ids) yield* Fiber.interrupt(nodes.get(id)!.fiber)
      for (const id of ids) nodes.set(id, yield* start(id))
      for (const id of ids) expect(Effect.runSync(nodes.get(id)!.kv.status).term).toBeGreaterThan(0)
      const read = yield* Effect.flatMap(leaderOf, (kv) => kv.submit({ kind: "get", key: "k" })).pipe(
        Effect.repeat({ until: (outcome) => outcome._tag === "Done", times: 50 })
      )
      expect(read).toEqual({ _tag: "Done", value: "durable" })
      for (const id of ids) yield* Fiber.interrupt(nodes.get(id)!.fiber)
    }).pipe(Effect.scoped),
    20_000
  )
})
