import { Context, Effect, Layer } from "effect"

/**
 * The replica's one timer: "call me back at time `at`". A replica keeps a single deadline
 * (its next election, heartbeat or retransmission) and moves it after most datagrams, so
 * setting the alarm must cost next to nothing. Production wires Node's own timer (NodeAlarm);
 * simulations wire the replica's timer on the simulation kernel (src/simulation/timerAlarm.ts).
 */
export class Alarm extends Context.Tag("Alarm")<
  Alarm,
  {
    /**
     * Calls `ring` once the Clock reaches `at` (ms), replacing whatever was set before;
     * +∞ just clears it. A plain call: the replica sets it on its hot path.
     */
    readonly set: (at: number, ring: () => void) => void
  }
>() {}

/**
 * Whole milliseconds, rounded up: timers are millisecond-grained, and waking a hair before
 * the deadline would only find nothing to do.
 */
const delayUntil = (at: number, now: number): number => Math.max(0, Math.ceil(at - now))

/**
 * setTimeout, its delay measured on the Effect Clock the replica reads. Replacing a Node timer
 * is a couple of microseconds; the fiber-per-setting alarm it replaced cost the leader
 * ≈ 0.27 s of CPU in a 37 s run, after its sends but while the harness and followers waited
 * for a core (docs/performance/latency.md).
 */
export const NodeAlarm: Layer.Layer<Alarm> = Layer.scoped(
  Alarm,
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    let timer: ReturnType<typeof setTimeout> | undefined
    const clear = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
    yield* Effect.addFinalizer(() => Effect.sync(clear))
    return Alarm.of({
      set: (at, ring) => {
        clear()
        if (Number.isFinite(at)) timer = setTimeout(ring, delayUntil(at, clock.unsafeCurrentTimeMillis()))
      }
    })
  })
)
