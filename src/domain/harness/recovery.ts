import type { NodeId } from "../ids.ts"

/** The events after which clients must find a leader again: the harness makes them forget theirs. */
export type Disruption = "kill_leader" | "part_hard"

/** How long clients went without service after a disruption. */
export interface Recovery {
  readonly event: Disruption
  /** Milliseconds since the start of the request phase, as event times are given. */
  readonly atMs: number
  /**
   * From the event to the first `ok` a replica the harness listens to (alive, and on the
   * majority side of any partition) sent a client; undefined if none came before the end.
   */
  readonly servedAfterMs: number | undefined
  readonly servedBy: NodeId | undefined
}

interface Open {
  readonly event: Disruption
  readonly at: number
}

/**
 * The failover time of every disruption in a run. A disruption that comes before service
 * resumed from the previous one is timed from its own moment; both end at the same `ok`.
 */
export class Recoveries {
  private readonly open: Array<Open> = []
  private readonly closed: Array<Recovery> = []

  constructor(private readonly requestsFromMs: number) {}

  disrupted(event: Disruption, now: number): void {
    this.open.push({ event, at: now })
  }

  served(now: number, by: NodeId): void {
    for (const { event, at } of this.open.splice(0)) {
      this.closed.push({ event, atMs: at - this.requestsFromMs, servedAfterMs: now - at, servedBy: by })
    }
  }

  /** Every disruption in the order it happened: `served` closes all open ones, so they come last. */
  all(): ReadonlyArray<Recovery> {
    const unserved = this.open.map(({ event, at }): Recovery => ({
      event,
      atMs: at - this.requestsFromMs,
      servedAfterMs: undefined,
      servedBy: undefined
    }))
    return [...this.closed, ...unserved]
  }
}
