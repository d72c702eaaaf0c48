import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { replicaId } from "../../src/domain/ids.ts"
import { Alarm, NodeAlarm } from "../../src/services/Alarm.ts"
import { driveByClock } from "../../src/simulation/clockDriver.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { ReplicaTimers } from "../../src/simulation/replicaTimers.ts"
import { TimerAlarm } from "../../src/simulation/timerAlarm.ts"

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

  it.effect("TimerAlarm does the same on the simulation kernel, driven by TestClock", () =>
    Effect.gen(function* () {
      const kernel = new SimulationKernel()
      const timers = new ReplicaTimers(kernel, { limit: 10, onSpin: () => {} })
      yield* Effect.fork(driveByClock(kernel))
      const fiber = yield* Effect.fork(scenario((ms) => TestClock.adjust(ms), () => kernel.now).pipe(Effect.provide(TimerAlarm(timers, replicaId(0)))))
      const rang = yield* Fiber.join(fiber)
      yield* TestClock.adjust(100)
      expect(rang).toEqual(["second"])
    })
  )
})
