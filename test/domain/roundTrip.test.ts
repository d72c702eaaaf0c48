import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { observe, retransmitAfter, type RoundTrip } from "../../src/domain/raft/leader/roundTrip.ts"
import { defaultTiming as timing } from "../../src/domain/raft/timing.ts"

const estimateOf = (samples: ReadonlyArray<number>): RoundTrip | undefined =>
  samples.reduce<RoundTrip | undefined>((estimate, sample) => observe(estimate, sample), undefined)

describe("round-trip estimate (RFC 6298)", () => {
  it("waits `retransmit` before any sample, and starts from the first sample with half of it as deviation", () => {
    expect(retransmitAfter(undefined, timing)).toBe(timing.retransmit)
    expect(observe(undefined, 2)).toEqual({ mean: 2, deviation: 1 })
    expect(retransmitAfter(observe(undefined, 2), timing)).toBe(2 + 4 * 1)
  })

  it("moves the mean by 1/8 and the deviation by 1/4 of the way to each new sample", () => {
    expect(observe({ mean: 1, deviation: 0.5 }, 3)).toEqual({ mean: 1.25, deviation: 0.875 })
    expect(observe({ mean: 1, deviation: 0.5 }, 1)).toEqual({ mean: 1, deviation: 0.375 })
  })

  it("settles on steady round trips, mean plus four deviations, and keeps to the floor below them", () => {
    const steady = estimateOf(Array(60).fill(2))
    expect(steady?.mean).toBeCloseTo(2, 6)
    expect(retransmitAfter(steady, timing)).toBeCloseTo(2, 3)
    expect(retransmitAfter(estimateOf(Array(60).fill(0.2)), timing)).toBe(timing.retransmitMin)
  })

  it("rises over a jittery stretch and comes back down once it passes", () => {
    const jittery = [...Array(40).fill(1), ...Array(20).fill([0.6, 2.4]).flat()]
    const quiet = [...jittery, ...Array(40).fill(1)]
    const during = retransmitAfter(estimateOf(jittery), timing)
    expect(during).toBeGreaterThan(4)
    expect(retransmitAfter(estimateOf(quiet), timing)).toBeLessThan(timing.retransmitMin + 0.01)
  })

  it("one long stall raises the timeout only to the ceiling, and a sample from the future counts as zero", () => {
    expect(retransmitAfter(estimateOf([...Array(20).fill(1), 300]), timing)).toBe(timing.retransmitMax)
    expect(observe({ mean: 1, deviation: 0 }, -50)).toEqual(observe({ mean: 1, deviation: 0 }, 0))
  })

  it("stays within retransmitMin–retransmitMax and finite, whatever the samples", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (samples) => {
        const timeout = retransmitAfter(estimateOf(samples), timing)
        expect(timeout).toBeGreaterThanOrEqual(timing.retransmitMin)
        expect(timeout).toBeLessThanOrEqual(timing.retransmitMax)
      })
    )
  })
})
