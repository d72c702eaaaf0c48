import { Clock, Effect } from "effect"
import { performance } from "node:perf_hooks"

const millis = (): number => performance.timeOrigin + performance.now()
const originNanos = BigInt(Math.round(performance.timeOrigin * 1e6))
const nanos = (): bigint => originNanos + BigInt(Math.round(performance.now() * 1e6))
const standard = Clock.make()

/**
 * Effect's default Clock reads `Date.now()`, in whole milliseconds. A leader times its
 * appends' round trips, which take about one millisecond here (roundTrip.ts), so the replica
 * reads Node's monotonic high-resolution clock instead: milliseconds since the epoch, with a
 * fraction. Sleeping is the default Clock's.
 */
export const preciseClock: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: millis,
  currentTimeMillis: Effect.sync(millis),
  unsafeCurrentTimeNanos: nanos,
  currentTimeNanos: Effect.sync(nanos),
  sleep: (duration) => standard.sleep(duration)
}
