import { Effect, Fiber, Layer, Queue, Random } from "effect"
import type { NodeId } from "../../src/domain/ids.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import type { WireMessage } from "../../src/domain/wire/messages.ts"
import { silentLog } from "../../src/services/ReplicaLog.ts"
import { makeReplicaShell, serve, type ReplicaShell } from "../../src/shell/replicaShell.ts"
import { catchUp, driveByClock } from "../../src/simulation/clockDriver.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { MemoryNetwork, MemoryTransport } from "../../src/simulation/memoryNetwork.ts"
import { TimerAlarm } from "../../src/simulation/timerAlarm.ts"
import { VirtualNetwork } from "../../src/simulation/virtualNetwork.ts"
import { simulatedNetwork } from "./simulatedNetwork.ts"

export interface Cluster {
  readonly kernel: SimulationKernel
  /** Where a test lays faults: partitions, drops, kills. */
  readonly network: VirtualNetwork
  readonly memory: MemoryNetwork
  readonly ids: ReadonlyArray<NodeId>
  readonly shells: ReadonlyMap<NodeId, ReplicaShell>
  readonly fibers: ReadonlyMap<NodeId, Fiber.RuntimeFiber<never>>
}

/**
 * Starts `size` replica programs as fibers, each served with a Transport and an Alarm on the
 * simulation kernel, and a fiber that drives the kernel from the Clock: under TestClock,
 * `TestClock.adjust` moves the cluster's time.
 */
export const startCluster = (size: number, seed: number) =>
  Effect.gen(function* () {
    const { ids, kernel, network, memory, timers } = simulatedNetwork(size, seed)
    const shells = new Map<NodeId, ReplicaShell>()
    const fibers = new Map<NodeId, Fiber.RuntimeFiber<never>>()
    for (const [i, self] of ids.entries()) {
      const layer = Layer.merge(MemoryTransport(memory, self), silentLog)
      const config = { self, peers: ids.filter((id) => id !== self), timing: defaultTiming }
      const shell = yield* makeReplicaShell(config).pipe(Effect.provide(layer), Effect.withClock(kernel.clock), Effect.withRandom(Random.make(seed * 31 + i)))
      shells.set(self, shell)
      const served = serve(shell).pipe(Effect.provide(Layer.merge(layer, TimerAlarm(timers, self))), Effect.withClock(kernel.clock))
      fibers.set(self, yield* Effect.fork(served))
    }
    yield* Effect.fork(driveByClock(kernel))
    return { kernel, network, memory, ids, shells, fibers } satisfies Cluster
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

/** A test client on the same network: sends a request now and collects what has come back. */
export const client = (cluster: Cluster, self: NodeId) =>
  Effect.gen(function* () {
    const inbox = yield* Queue.unbounded<Uint8Array>()
    cluster.memory.listen(self, (datagram) => Queue.unsafeOffer(inbox, datagram))
    const decoder = new TextDecoder()
    return {
      send: (request: Record<string, string>) =>
        Effect.zipRight(catchUp(cluster.kernel), Effect.sync(() => cluster.memory.route(self, JSON.stringify({ src: self, ...request })))),
      received: Effect.map(Queue.takeAll(inbox), (chunk) => [...chunk].map((bytes) => JSON.parse(decoder.decode(bytes)) as WireMessage))
    }
  })
