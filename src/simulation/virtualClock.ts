import { Clock, Duration, Effect } from "effect"

/**
 * Effect's Clock over simulated milliseconds; a subclass says what time it reads. Nothing in
 * the simulated shell sleeps (the kernel delivers wake-ups as events), so a sleep is a bug.
 */
export abstract class SimulatedClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId

  abstract unsafeCurrentTimeMillis(): number

  unsafeCurrentTimeNanos(): bigint {
    return BigInt(Math.round(this.unsafeCurrentTimeMillis() * 1e6))
  }
  get currentTimeMillis(): Effect.Effect<number> {
    return Effect.sync(() => this.unsafeCurrentTimeMillis())
  }
  get currentTimeNanos(): Effect.Effect<bigint> {
    return Effect.sync(() => this.unsafeCurrentTimeNanos())
  }
  sleep(duration: Duration.DurationInput): Effect.Effect<void> {
    return Effect.dieMessage(`a simulated replica tried to sleep ${Duration.format(duration)}`)
  }
}

/** The kernel's own clock: the kernel sets `now`, replicas read it. */
export class VirtualClock extends SimulatedClock {
  now = 0

  unsafeCurrentTimeMillis(): number {
    return this.now
  }
}
