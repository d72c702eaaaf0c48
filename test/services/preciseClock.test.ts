import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { preciseClock } from "../../src/services/PreciseClock.ts"

describe("PreciseClock", () => {
  it("reads the time of day in milliseconds, with a fraction, and never goes back", () => {
    expect(Math.abs(preciseClock.unsafeCurrentTimeMillis() - Date.now())).toBeLessThan(1_000)
    const readings = Array.from({ length: 10_000 }, () => preciseClock.unsafeCurrentTimeMillis())
    expect(readings.some((ms) => !Number.isInteger(ms))).toBe(true)
    expect(readings.every((ms, i) => i === 0 || ms >= readings[i - 1]!)).toBe(true)
  })

  it("agrees with itself in nanoseconds", () => {
    const before = preciseClock.unsafeCurrentTimeMillis()
    const nanos = preciseClock.unsafeCurrentTimeNanos()
    const after = preciseClock.unsafeCurrentTimeMillis()
    expect(Number(nanos) / 1e6).toBeGreaterThanOrEqual(before - 0.001)
    expect(Number(nanos) / 1e6).toBeLessThanOrEqual(after + 0.001)
  })

  it.live("is the Clock a program reads once provided, and sleeps for real", () =>
    Effect.gen(function* () {
      const start = yield* Clock.currentTimeMillis
      yield* Effect.sleep(20)
      const end = yield* Clock.currentTimeMillis
      expect(end - start).toBeGreaterThanOrEqual(19)
      expect(Number.isInteger(start) && Number.isInteger(end)).toBe(false)
    }).pipe(Effect.withClock(preciseClock))
  )
})
