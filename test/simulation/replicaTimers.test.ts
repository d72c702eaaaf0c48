import { describe, expect, it } from "vitest"
import { replicaId } from "../../src/domain/ids.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { ReplicaTimers } from "../../src/simulation/replicaTimers.ts"

const [A, B] = [replicaId(0), replicaId(1)]

const setup = (limit = 100) => {
  const kernel = new SimulationKernel()
  const spins: Array<string> = []
  const timers = new ReplicaTimers(kernel, { limit, onSpin: (id, now) => spins.push(`${id}@${now}`) })
  return { kernel, timers, spins }
}

describe("replica timers on the kernel", () => {
  it("ring once for a replica's latest deadline, earlier or later than the one it replaced, and not once cleared", () => {
    const { kernel, timers } = setup()
    const rang: Array<string> = []
    timers.set(A, 10, () => rang.push(`A first@${kernel.now}`))
    timers.set(A, 5, () => rang.push(`A sooner@${kernel.now}`))
    timers.set(B, 10, () => rang.push(`B@${kernel.now}`))
    timers.set(B, 20, () => rang.push(`B later@${kernel.now}`))
    kernel.advanceTo(15)
    timers.set(A, 30, () => rang.push("A cleared"))
    timers.clear(A)
    kernel.advanceTo(100)
    expect(rang).toEqual(["A sooner@5", "B later@20"])
  })

  it("ring a deadline already past at the present", () => {
    const { kernel, timers } = setup()
    kernel.advanceTo(50)
    const rang: Array<number> = []
    timers.set(A, 10, () => rang.push(kernel.now))
    kernel.advanceTo(60)
    expect(rang).toEqual([50])
  })

  it("stop a replica that asks to be woken at the same instant over and over, and report it", () => {
    const { kernel, timers, spins } = setup(3)
    let rings = 0
    const ring = (): void => {
      rings++
      timers.set(A, kernel.now, ring)
    }
    timers.set(A, 7, ring)
    kernel.advanceTo(100)
    expect(rings).toBe(4)
    expect(spins).toEqual([`${A}@7`])
    expect(kernel.nextAt()).toBeUndefined()
  })

  it("do not count wake-ups at different instants as a spin", () => {
    const { kernel, timers, spins } = setup(3)
    let rings = 0
    const ring = (): void => {
      if (++rings < 10) timers.set(A, kernel.now + 1, ring)
    }
    timers.set(A, 0, ring)
    kernel.advanceTo(100)
    expect(rings).toBe(10)
    expect(spins).toEqual([])
  })
})
