import { Effect, Layer, Queue } from "effect"
import { BROADCAST, type NodeId } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"
import { Transport } from "../services/Transport.ts"

/**
 * An in-memory network for tests, routing like the harness does (by `dst`; FFFF = every
 * other replica) with programmable faults: seeded random drops between replicas, a partition,
 * and killed replicas. Client traffic is never dropped or partitioned, as in the harness.
 */
export class MemoryNetwork {
  private readonly inboxes = new Map<NodeId, Queue.Queue<Uint8Array>>()
  private readonly random: RandomStream
  private dropRate = 0
  private side: ReadonlySet<NodeId> | undefined
  private readonly killed = new Set<NodeId>()
  private readonly encoder = new TextEncoder()

  private constructor(
    readonly replicas: ReadonlyArray<NodeId>,
    seed: number
  ) {
    this.random = new RandomStream(seed)
  }

  static readonly make = (replicas: ReadonlyArray<NodeId>, seed: number) =>
    Effect.sync(() => new MemoryNetwork(replicas, seed))

  /** The inbox of a replica or a client, created on first use. */
  readonly inbox = (id: NodeId): Effect.Effect<Queue.Queue<Uint8Array>> => Effect.sync(() => this.inboxOf(id))

  private inboxOf(id: NodeId): Queue.Queue<Uint8Array> {
    const existing = this.inboxes.get(id)
    if (existing !== undefined) return existing
    const created = Effect.runSync(Queue.unbounded<Uint8Array>())
    this.inboxes.set(id, created)
    return created
  }

  setDropRate(rate: number): void {
    this.dropRate = rate
  }

  /** Replicas in `side` can talk only among themselves; the rest only among themselves. */
  partition(side: Iterable<NodeId>): void {
    this.side = new Set(side)
  }

  heal(): void {
    this.side = undefined
  }

  kill(id: NodeId): void {
    this.killed.add(id)
  }

  private blocked(from: NodeId, to: NodeId): boolean {
    if (this.killed.has(to) || this.killed.has(from)) return true
    if (this.side !== undefined && this.side.has(from) !== this.side.has(to)) return true
    if (this.dropRate === 0) return false
    return this.random.float() < this.dropRate
  }

  /** Delivers at once, synchronously, like a send on loopback: the datagram is queued before `route` returns. */
  readonly route = (from: NodeId, datagram: string): void => {
    const dst = (JSON.parse(datagram) as { readonly dst: NodeId }).dst
    const bytes = this.encoder.encode(datagram)
    const isReplica = (id: NodeId) => this.replicas.includes(id)
    const fromReplica = isReplica(from)
    const targets = dst === BROADCAST ? this.replicas.filter((id) => id !== from) : [dst]
    for (const to of targets) {
      if (this.killed.has(to) || (fromReplica && isReplica(to) && this.blocked(from, to))) continue
      Queue.unsafeOffer(this.inboxOf(to), bytes)
    }
  }
}

export const MemoryTransport = (network: MemoryNetwork, id: NodeId): Layer.Layer<Transport> =>
  Layer.effect(
    Transport,
    Effect.map(network.inbox(id), (inbox) => ({
      send: (datagram: string) => network.route(id, datagram),
      listen: (deliver: (datagram: Uint8Array) => void) =>
        Effect.asVoid(Effect.forkScoped(Effect.forever(Effect.map(Queue.take(inbox), deliver))))
    }))
  )
