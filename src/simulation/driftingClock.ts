import { SimulatedClock, type VirtualClock } from "./virtualClock.ts"

/** What a clock running at `rate` reads at kernel time `kernelMs`. */
export const driftedTime = (kernelMs: number, rate: number): number => kernelMs * rate

/**
 * One replica's own clock in a simulation with clock drift: it reads the kernel's time scaled
 * by `rate` (1.01 runs 1% fast), as a quartz clock that ticks at its own pace. Deadlines the
 * replica sets on its clock become kernel times through `kernelTimeOf`, so its timers fire
 * when its own clock, not the kernel's, reaches them.
 */
export class DriftingClock extends SimulatedClock {
  constructor(
    private readonly kernel: VirtualClock,
    readonly rate: number
  ) {
    super()
  }

  unsafeCurrentTimeMillis(): number {
    return driftedTime(this.kernel.now, this.rate)
  }

  /**
   * The earliest kernel time at which this clock reads `local` or later. Division rounds, and
   * a timer that fired a hair early would find nothing due and ask again at the same instant.
   */
  kernelTimeOf(local: number): number {
    if (!Number.isFinite(local)) return local
    let at = local / this.rate
    while (driftedTime(at, this.rate) < local) at += Math.max(Math.abs(at) * Number.EPSILON, Number.MIN_VALUE)
    return at
  }
}
