import { Deferred, Duration, Effect, Exit } from "effect"
import type { SimulationKernel } from "./kernel.ts"

/**
 * Drives a kernel from the Effect Clock, for wirings that run replica programs as fibers and
 * move time with TestClock: a fiber sleeps on the Clock until the next event is due, runs what
 * is due, and sleeps again; an event scheduled ahead of the one it waits for wakes it to sleep
 * less. So `TestClock.adjust(d)` runs, in order, exactly the events due within `d`. Runs until
 * interrupted.
 *
 * Each event still runs at its own time on the kernel's clock, which the replicas read: the
 * Clock's sleeps are rounded to nanoseconds, and a replica woken a hair before its deadline
 * would find nothing due and ask to be woken again, at the same instant, forever.
 */
export const driveByClock = (kernel: SimulationKernel): Effect.Effect<never> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    let earlier = yield* Deferred.make<void>()
    kernel.watchEarliest(() => Deferred.unsafeDone(earlier, Exit.void))
    for (;;) {
      // Read after `earlier` is made, so no event scheduled in between goes unnoticed.
      const at = kernel.nextAt()
      const sleep = at === undefined ? Effect.never : Effect.sleep(Duration.millis(Math.max(0, at - clock.unsafeCurrentTimeMillis())))
      const due = yield* Effect.raceFirst(Effect.as(sleep, true), Effect.as(Deferred.await(earlier), false))
      const now = clock.unsafeCurrentTimeMillis()
      kernel.advanceTo(due && at !== undefined ? Math.max(at, now) : now)
      earlier = yield* Deferred.make<void>()
    }
  }).pipe(Effect.ensuring(Effect.sync(() => kernel.watchEarliest(undefined))))

/**
 * Brings the kernel's clock up to the Effect Clock's, for an input from outside the kernel (a
 * test's client sending): it then happens now, rather than at the time of the last event run.
 */
export const catchUp = (kernel: SimulationKernel): Effect.Effect<void> =>
  Effect.clockWith((clock) => Effect.sync(() => kernel.advanceTo(clock.unsafeCurrentTimeMillis())))
