import { Effect, Fiber, Layer, Queue, Random } from "effect"
import { replicaId, type NodeId } from "../../src/domain/ids.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import type { WireMessage } from "../../src/domain/wire/messages.ts"
import { makeReplicaShell, serve, type ReplicaShell } from "../../src/shell/replicaShell.ts"
import { ClockAlarm } from "../../src/services/Alarm.ts"
import { MemoryNetwork, MemoryTransport } from "../../src/simulation/memoryNetwork.ts"
import { silentLog } from "../../src/services/ReplicaLog.ts"

export interface Cluster {
  readonly network: MemoryNetwork
  readonly ids: ReadonlyArray<NodeId>
  readonly shells: ReadonlyMap<NodeId, ReplicaShell>
  readonly fibers: ReadonlyMap<NodeId, Fiber.RuntimeFiber<never>>
}

/** Starts `size` replica programs as fibers on an in-memory network; time is whatever Clock is provided. */
export const startCluster = (size: number, seed: number) =>
  Effect.gen(function* () {
    const ids = Array.from({ length: size }, (_, i) => replicaId(i))
    const network = yield* MemoryNetwork.make(ids, seed)
    const shells = new Map<NodeId, ReplicaShell>()
    const fibers = new Map<NodeId, Fiber.RuntimeFiber<never>>()
    for (const [i, self] of ids.entries()) {
      const layer = Layer.merge(MemoryTransport(network, self), silentLog)
      const config = { self, peers: ids.filter((id) => id !== self), timing: defaultTiming }
      const shell = yield* makeReplicaShell(config).pipe(Effect.provide(layer), Effect.withRandom(Random.make(seed * 31 + i)))
      shells.set(self, shell)
      fibers.set(self, yield* Effect.fork(serve(shell).pipe(Effect.provide(Layer.merge(layer, ClockAlarm)), Effect.withRandom(Random.make(seed * 17 + i)))))
    }
    return { network, ids, shells, fibers } satisfies Cluster
  })

export const states = (cluster: Cluster, alive: (id: NodeId) => boolean = () => true): ReadonlyArray<RaftState> =>
  cluster.ids.filter(alive).map((id) => cluster.shells.get(id)!.state())

export const leaders = (cluster: Cluster, alive?: (id: NodeId) => boolean): ReadonlyArray<RaftState> =>
  states(cluster, alive).filter((state) => state.role === "leader")

export const kill = (cluster: Cluster, id: NodeId) =>
  Effect.gen(function* () {
    cluster.network.kill(id)
    yield* Fiber.interrupt(cluster.fibers.get(id)!)
  })

/** A test client on the same network: sends a request and collects what comes back. */
export const client = (cluster: Cluster, self: NodeId) =>
  Effect.gen(function* () {
    const inbox = yield* cluster.network.inbox(self)
    const decoder = new TextDecoder()
    return {
      send: (request: Record<string, string>) => Effect.sync(() => cluster.network.route(self, JSON.stringify({ src: self, ...request }))),
      received: Effect.map(Queue.takeAll(inbox), (chunk) =>
        [...chunk].map((bytes) => JSON.parse(decoder.decode(bytes)) as WireMessage)
      )
    }
  })
