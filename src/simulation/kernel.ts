import { EventQueue } from "./eventQueue.ts"
import { VirtualClock } from "./virtualClock.ts"

/**
 * The simulation kernel: virtual time and the one queue of everything due in it. Time moves
 * only from event to event: running one sets the clock to its time first. Events due at the
 * same instant run in the order they were scheduled, so a run replays exactly from its seed.
 *
 * Everything else of a simulation is built on it: the virtual network (virtualNetwork.ts)
 * schedules each datagram's arrival here, the replica timers (replicaTimers.ts) each wake-up.
 * A simulator either runs it itself (`runNext`, `advanceTo`), or lets the Effect Clock drive it
 * (clockDriver.ts), so that TestClock moves the same virtual time.
 */
export class SimulationKernel {
  /** What replicas and their shells read as the time: the time of the event being run. */
  readonly clock = new VirtualClock()
  private readonly queue = new EventQueue<() => void>()
  private onEarlier: (() => void) | undefined

  get now(): number {
    return this.clock.now
  }

  /** Runs `action` at `at`, or, for a moment already past, as soon as what is already due has run. */
  at(at: number, action: () => void): void {
    const due = Math.max(at, this.clock.now)
    const head = this.queue.peekAt()
    this.queue.push(due, action)
    if (this.onEarlier !== undefined && (head === undefined || due < head)) this.onEarlier()
  }

  /** When the next event is due, if any is. */
  nextAt(): number | undefined {
    return this.queue.peekAt()
  }

  /** Runs the next event at its time; false when nothing is left to run. */
  runNext(): boolean {
    const item = this.queue.pop()
    if (item === undefined) return false
    this.clock.now = item.at
    item.event()
    return true
  }

  /** Runs every event due by `until`, in order, and leaves the clock at `until`. */
  advanceTo(until: number): void {
    for (let at = this.queue.peekAt(); at !== undefined && at <= until; at = this.queue.peekAt()) this.runNext()
    this.clock.now = Math.max(this.clock.now, until)
  }

  /**
   * Calls `listener` whenever an event is scheduled ahead of all the others: a driver that
   * sleeps until the next event (clockDriver.ts) must then wake sooner.
   */
  watchEarliest(listener: (() => void) | undefined): void {
    this.onEarlier = listener
  }
}
