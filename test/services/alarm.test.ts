import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Alarm, ClockAlarm, NodeAlarm } from "../../src/services/Alarm.ts"

/** Sets the alarm three times (the last setting wins, +∞ clears) and records which ring came. */
const scenario = (wait: (ms: number) => Effect.Effect<void>, now: () => number) =>
  Effect.gen(function* () {
    const alarm = yield* Alarm
    const rang: Array<string> = []
    const start = now()
    alarm.set(start + 5, () => rang.push("first"))
    alarm.set(start + 10, () => rang.push("second"))
    yield* wait(30)
    alarm.set(start + 40, () => rang.push("cleared"))
    alarm.set(Number.POSITIVE_INFINITY, () => rang.push("never"))
    yield* wait(50)
    alarm.set(start + 90, () => rang.push("closed"))
    return rang
  })

describe("Alarm", () => {
  it.live("NodeAlarm rings once for the latest setting, not for a replaced or cleared one, and not after its scope closes", () =>
    Effect.gen(function* () {
      const rang = yield* scenario((ms) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms))), Date.now).pipe(
        Effect.provide(NodeAlarm)
      )
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 40)))
      expect(rang).toEqual(["second"])
    })
  )

  it.effect("ClockAlarm does the same on the Clock, so TestClock drives it", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(scenario((ms) => TestClock.adjust(ms), () => 0).pipe(Effect.provide(ClockAlarm)))
      const rang = yield* Fiber.join(fiber)
      yield* TestClock.adjust(100)
      expect(rang).toEqual(["second"])
    })
  )
})
