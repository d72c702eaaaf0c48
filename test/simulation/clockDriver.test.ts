import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { catchUp, driveByClock } from "../../src/simulation/clockDriver.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"

describe("a kernel driven by the Effect Clock", () => {
  it.effect("runs, as TestClock moves, exactly the events due so far, each at its own time", () =>
    Effect.gen(function* () {
      const kernel = new SimulationKernel()
      const ran: Array<number> = []
      for (const at of [0.3, 1.7, 2.05, 9]) kernel.at(at, () => ran.push(kernel.now))
      yield* Effect.fork(driveByClock(kernel))
      yield* TestClock.adjust(2.05)
      expect(ran).toEqual([0.3, 1.7, 2.05])
      yield* TestClock.adjust(10)
      expect(ran).toEqual([0.3, 1.7, 2.05, 9])
    })
  )

  it.effect("wakes sooner for an event scheduled ahead of the one it waits for, from outside or by an event", () =>
    Effect.gen(function* () {
      const kernel = new SimulationKernel()
      const ran: Array<string> = []
      kernel.at(100, () => ran.push(`far@${kernel.now}`))
      yield* Effect.fork(driveByClock(kernel))
      yield* TestClock.adjust(10)
      yield* catchUp(kernel)
      expect(kernel.now).toBe(10)
      kernel.at(kernel.now + 5, () => {
        ran.push(`near@${kernel.now}`)
        kernel.at(kernel.now + 0.25, () => ran.push(`nearer@${kernel.now}`))
      })
      yield* TestClock.adjust(6)
      expect(ran).toEqual(["near@15", "nearer@15.25"])
      yield* TestClock.adjust(100)
      expect(ran).toEqual(["near@15", "nearer@15.25", "far@100"])
    })
  )
})
