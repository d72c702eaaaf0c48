import type { NodeId } from "../domain/ids.ts"
import type { SimulationKernel } from "./kernel.ts"

/**
 * Wake-ups in a row at one instant past which a simulation's timers are spinning: replicas need
 * a few at one instant, so this many is a loop worth stopping for, not a busy moment.
 */
export const SPIN_LIMIT = 10_000

export interface SpinGuard {
  /** Wake-ups at one instant, one after another, past which the timers are spinning. */
  readonly limit: number
  /** Called instead of ringing a timer that spins, which is then cleared; may throw to end the run. */
  readonly onSpin: (replica: NodeId, now: number) => void
}

interface Timer {
  at: number
  token: number
  ring: () => void
}

/**
 * How replicas are woken in a simulation: one timer each, on the kernel, like the Alarm a
 * replica has in production. Setting it replaces the deadline set before (+∞ clears it); the
 * replaced deadline's event stays in the queue and does nothing when it comes. A deadline
 * already past rings at once, after what is due.
 *
 * A replica whose deadline stays at the present however often it is woken would loop forever
 * at one instant; the guard stops that, and reports it, once timers have rung `limit` times in
 * a row at one instant.
 */
export class ReplicaTimers {
  private readonly timers = new Map<NodeId, Timer>()
  private spinAt = Number.NaN
  private spins = 0

  constructor(
    private readonly kernel: SimulationKernel,
    private readonly guard: SpinGuard
  ) {}

  /** Rings `ring` once the kernel's clock reaches `at`, instead of whatever `replica` had set. */
  set(replica: NodeId, at: number, ring: () => void): void {
    const timer = this.timerOf(replica)
    const due = Math.max(at, this.kernel.now)
    timer.ring = ring
    if (due === timer.at) return
    timer.at = due
    const token = ++timer.token
    if (Number.isFinite(due)) this.kernel.at(due, () => this.fire(replica, timer, token))
  }

  clear(replica: NodeId): void {
    this.set(replica, Number.POSITIVE_INFINITY, () => {})
  }

  private fire(replica: NodeId, timer: Timer, token: number): void {
    if (token !== timer.token) return
    const now = this.kernel.now
    this.spins = now === this.spinAt ? this.spins + 1 : 0
    this.spinAt = now
    timer.at = Number.POSITIVE_INFINITY
    if (this.spins > this.guard.limit) return this.guard.onSpin(replica, now)
    timer.ring()
  }

  private timerOf(replica: NodeId): Timer {
    const existing = this.timers.get(replica)
    if (existing !== undefined) return existing
    const created: Timer = { at: Number.POSITIVE_INFINITY, token: 0, ring: () => {} }
    this.timers.set(replica, created)
    return created
  }
}
