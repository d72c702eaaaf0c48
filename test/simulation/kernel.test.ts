import { describe, expect, it } from "vitest"
import { SimulationKernel } from "../../src/simulation/kernel.ts"

describe("the simulation kernel", () => {
  it("runs events in time order, ties in the order they were scheduled, each with the clock at its time", () => {
    const kernel = new SimulationKernel()
    const ran: Array<string> = []
    const log = (name: string) => () => ran.push(`${name}@${kernel.now}`)
    kernel.at(2, log("c"))
    kernel.at(1, log("a"))
    kernel.at(2, log("d"))
    kernel.at(1, log("b"))
    for (let i = 0; i < 4; i++) expect(kernel.runNext()).toBe(true)
    expect(kernel.runNext()).toBe(false)
    expect(ran).toEqual(["a@1", "b@1", "c@2", "d@2"])
  })

  it("runs an event scheduled in the past at the present, after what is already due", () => {
    const kernel = new SimulationKernel()
    const ran: Array<string> = []
    kernel.at(5, () => {
      kernel.at(1, () => ran.push(`late@${kernel.now}`))
      ran.push("first@5")
    })
    kernel.at(5, () => ran.push(`second@${kernel.now}`))
    kernel.advanceTo(10)
    expect(ran).toEqual(["first@5", "second@5", "late@5"])
  })

  it("advances to a time: runs only what is due by then, and leaves the clock there", () => {
    const kernel = new SimulationKernel()
    const ran: Array<number> = []
    for (const at of [3, 7, 12]) kernel.at(at, () => ran.push(at))
    kernel.advanceTo(7)
    expect(ran).toEqual([3, 7])
    expect(kernel.now).toBe(7)
    expect(kernel.nextAt()).toBe(12)
    kernel.advanceTo(9)
    expect(kernel.now).toBe(9)
    expect(ran).toEqual([3, 7])
  })

  it("tells its watcher when an event is scheduled ahead of all the others, and only then", () => {
    const kernel = new SimulationKernel()
    let told = 0
    kernel.watchEarliest(() => told++)
    kernel.at(10, () => {})
    kernel.at(20, () => {})
    kernel.at(10, () => {})
    kernel.at(5, () => {})
    expect(told).toBe(2)
    kernel.watchEarliest(undefined)
    kernel.at(1, () => {})
    expect(told).toBe(2)
  })
})
