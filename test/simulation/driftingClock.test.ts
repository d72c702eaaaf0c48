import { describe, expect, it } from "vitest"
import { DriftingClock } from "../../src/simulation/driftingClock.ts"
import { VirtualClock } from "../../src/simulation/virtualClock.ts"

describe("a drifting clock", () => {
  it("reads kernel time scaled by its rate", () => {
    const kernel = new VirtualClock()
    const fast = new DriftingClock(kernel, 1.05)
    kernel.now = 2000
    expect(fast.unsafeCurrentTimeMillis()).toBeCloseTo(2100, 9)
    expect(new DriftingClock(kernel, 0.95).unsafeCurrentTimeMillis()).toBeCloseTo(1900, 9)
  })

  it("turns a deadline on its own clock into the earliest kernel time at which it reads that deadline", () => {
    const kernel = new VirtualClock()
    for (const rate of [0.95, 0.9503, 0.99, 1.0001, 1.037, 1.05]) {
      for (let deadline = 0.1; deadline < 1e6; deadline = deadline * 3.7 + 0.013) {
        const clock = new DriftingClock(kernel, rate)
        const at = clock.kernelTimeOf(deadline)
        kernel.now = at
        expect(clock.unsafeCurrentTimeMillis()).toBeGreaterThanOrEqual(deadline)
        expect(at).toBeCloseTo(deadline / rate, 6)
      }
    }
    expect(new DriftingClock(kernel, 1.05).kernelTimeOf(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
  })
})
