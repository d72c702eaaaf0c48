import { type Context, Deferred, Effect, Fiber, Layer, Random } from "effect"
import { localClientId } from "../../src/domain/cluster/localClientId.ts"
import type { NodeId } from "../../src/domain/ids.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import type { KvNode } from "../../src/services/KvNode.ts"
import { withLocalClient } from "../../src/services/LocalClient.ts"
import { silentLog } from "../../src/services/ReplicaLog.ts"
import { MemoryDisk, MemoryStorage } from "../../src/services/storage/MemoryStorage.ts"
import { makeDurableShell, type DurableShell } from "../../src/shell/durable/durableShell.ts"
import { makeKvNode } from "../../src/shell/durable/liveKvNode.ts"
import { serve } from "../../src/shell/replicaShell.ts"
import { driveByClock } from "../../src/simulation/clockDriver.ts"
import { MemoryTransport } from "../../src/simulation/memoryNetwork.ts"
import { TimerAlarm } from "../../src/simulation/timerAlarm.ts"
import { simulatedNetwork } from "./simulatedNetwork.ts"

export interface RunningNode {
  readonly shell: DurableShell
  readonly kv: Context.Tag.Service<KvNode>
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
}

/**
 * Cluster-mode nodes (durable shell, local client, KvNode) on the simulation kernel under
 * TestClock, each with a MemoryDisk that outlives it: `kill` interrupts a node, `start` runs a
 * new incarnation on the same disk.
 */
export const startDurableCluster = (size: number, seed: number) =>
  Effect.gen(function* () {
    const { ids, kernel, network, memory, timers } = simulatedNetwork(size, seed)
    const disks = new Map(ids.map((id) => [id, new MemoryDisk()] as const))
    const nodes = new Map<NodeId, RunningNode>()
    let incarnations = 0

    const start = (self: NodeId) =>
      Effect.gen(function* () {
        const started = yield* Deferred.make<Omit<RunningNode, "fiber">>()
        const layer = Layer.mergeAll(
          withLocalClient(localClientId(ids)).pipe(Layer.provide(MemoryTransport(memory, self))),
          MemoryStorage(disks.get(self)!),
          TimerAlarm(timers, self),
          silentLog
        )
        const config = { self, peers: ids.filter((id) => id !== self), timing: defaultTiming }
        const program = Effect.gen(function* () {
          const shell = yield* makeDurableShell(config)
          const kv = yield* makeKvNode(shell, { timeout: "2 seconds" })
          yield* Deferred.succeed(started, { shell, kv })
          return yield* Effect.race(serve(shell), shell.failed)
        }).pipe(Effect.scoped, Effect.provide(layer), Effect.withClock(kernel.clock), Effect.withRandom(Random.make(seed * 31 + incarnations++)))
        const fiber = yield* Effect.fork(program)
        const node = { ...(yield* Deferred.await(started)), fiber }
        nodes.set(self, node)
        return node
      })

    const kill = (self: NodeId) => Fiber.interrupt(nodes.get(self)!.fiber)

    for (const id of ids) yield* start(id)
    yield* Effect.fork(driveByClock(kernel))
    return { ids, kernel, network, disks, nodes, start, kill }
  })
