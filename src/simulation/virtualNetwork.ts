import type { NodeId } from "../domain/ids.ts"
import type { SimulationKernel } from "./kernel.ts"

/** One hop, in virtual milliseconds: a base plus a jitter drawn uniformly from [0, jitterMs). */
export interface HopDelay {
  readonly baseMs: number
  readonly jitterMs: number
}

/**
 * A hop over loopback. The jitter lets datagrams from different sockets overtake each other;
 * each link's own datagrams still arrive in order, as on loopback.
 */
export const LOOPBACK_HOP: HopDelay = { baseMs: 0.05, jitterMs: 0.05 }

/**
 * Faults for fault campaigns: each datagram sent may arrive twice, and each copy late by up to
 * `delayMs`. Late copies may overtake earlier ones: a link's order is not kept for them. `cuts`
 * lose, for a while, what some replicas send to others but not the way back: asymmetric
 * partitions, which the harness's own symmetric ones never make.
 */
export interface Adversary {
  readonly duplicate: number
  readonly delayMs: number
  readonly cuts?: ReadonlyArray<OneWayCut>
  /** Copies held back far longer than any jitter: past an election timeout, say. */
  readonly late?: LateDelivery
}

/** Each copy is, with probability `rate`, late by a further `minMs` plus up to `spreadMs`. */
export interface LateDelivery {
  readonly rate: number
  readonly minMs: number
  readonly spreadMs: number
}

/** From `startMs` until `endMs` (virtual time), datagrams from any of `from` to any of `to` are lost. */
export interface OneWayCut {
  readonly from: ReadonlyArray<NodeId>
  readonly to: ReadonlyArray<NodeId>
  readonly startMs: number
  readonly endMs: number
}

export interface NetworkOptions {
  /** The replicas: drops and partitions come between two of them only, never on a client's traffic. */
  readonly members: ReadonlyArray<NodeId>
  /** Draws in [0, 1) for the hops' jitter. */
  readonly jitter: () => number
  /** Draws in [0, 1) for the faults: drops, duplicates, delays. */
  readonly chaos: () => number
  readonly hop?: HopDelay
  readonly adversary?: Adversary
}

/**
 * The virtual network every simulator sends through: datagrams on links, each arriving one hop
 * later on the kernel's clock, in order per link, unless a fault loses, copies or delays it.
 *
 * A link is whatever keeps its datagrams in order, named by the caller: one socket's
 * datagrams (to and from the harness, in kvsim's virtual mode) or one pair's (replica to
 * replica, with no harness between). Random draws happen in a fixed order per datagram (a drop,
 * then the hop's jitter, then the duplicate and each copy's delay), only for faults that are
 * set, so a run replays from its seed.
 */
export class VirtualNetwork {
  private readonly members: ReadonlySet<NodeId>
  private readonly hopDelay: HopDelay
  private readonly lastArrival = new Map<string, number>()
  private readonly killed = new Set<NodeId>()
  private dropRate = 0
  private side: ReadonlySet<NodeId> | undefined

  constructor(
    private readonly kernel: SimulationKernel,
    private readonly options: NetworkOptions
  ) {
    this.members = new Set(options.members)
    this.hopDelay = options.hop ?? LOOPBACK_HOP
  }

  /** Each datagram between two replicas is lost with probability `rate`. */
  setDropRate(rate: number): void {
    this.dropRate = rate
  }

  /** Replicas in `side` can reach only each other; the rest, only each other. */
  partition(side: Iterable<NodeId>): void {
    this.side = new Set(side)
  }

  heal(): void {
    this.side = undefined
  }

  /** Nothing more reaches `id` or leaves it, not even what was already on its way to it. */
  kill(id: NodeId): void {
    this.killed.add(id)
  }

  /** When a datagram put on `link` now arrives: one hop later, and never before one sent on it earlier. */
  hop(link: string): number {
    const at = Math.max(this.kernel.now + this.hopDelay.baseMs + this.options.jitter() * this.hopDelay.jitterMs, this.lastArrival.get(link) ?? 0)
    this.lastArrival.set(link, at)
    return at
  }

  /** Sends a datagram from `from` to `to` on `link`: `arrive` runs when (and each time) it arrives. */
  send(link: string, from: NodeId, to: NodeId, arrive: () => void): void {
    if (this.lost(from, to)) return
    const at = this.hop(link)
    const deliver = (): void => {
      if (!this.killed.has(to)) arrive()
    }
    const adversary = this.options.adversary
    if (adversary === undefined) return this.kernel.at(at, deliver)
    const copies = this.options.chaos() < adversary.duplicate ? 2 : 1
    for (let copy = 0; copy < copies; copy++) this.kernel.at(at + this.options.chaos() * adversary.delayMs + this.lateness(adversary.late), deliver)
  }

  private lateness(late: LateDelivery | undefined): number {
    if (late === undefined || late.rate === 0 || this.options.chaos() >= late.rate) return 0
    return late.minMs + this.options.chaos() * late.spreadMs
  }

  private lost(from: NodeId, to: NodeId): boolean {
    if (this.killed.has(from) || this.killed.has(to) || this.isCut(from, to)) return true
    if (!this.members.has(from) || !this.members.has(to)) return false
    if (this.side !== undefined && this.side.has(from) !== this.side.has(to)) return true
    return this.dropRate > 0 && this.options.chaos() < this.dropRate
  }

  private isCut(from: NodeId, to: NodeId): boolean {
    const now = this.kernel.now
    return (
      this.options.adversary?.cuts?.some(
        (cut) => now >= cut.startMs && now < cut.endMs && cut.from.includes(from) && cut.to.includes(to)
      ) ?? false
    )
  }
}
