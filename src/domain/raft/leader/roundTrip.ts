import type { Timing } from "../timing.ts"

/**
 * The leader's estimate of an append's round trip to a follower and back, the way TCP keeps
 * one (RFC 6298): a smoothed mean and a smoothed mean deviation, updated from every answer.
 * Answers echo their append's send time (`at`), so every sample is unambiguous, resent
 * appends included.
 */
export interface RoundTrip {
  readonly mean: number
  readonly deviation: number
}

/** RFC 6298's gains: each sample moves the mean by 1/8 and the deviation by 1/4 of the way. */
const MEAN_GAIN = 1 / 8
const DEVIATION_GAIN = 1 / 4

/** The estimate after one more sample; `undefined` is no sample yet. */
export const observe = (estimate: RoundTrip | undefined, sample: number): RoundTrip => {
  const rtt = Math.max(0, sample)
  if (estimate === undefined) return { mean: rtt, deviation: rtt / 2 }
  return {
    mean: estimate.mean + MEAN_GAIN * (rtt - estimate.mean),
    deviation: estimate.deviation + DEVIATION_GAIN * (Math.abs(rtt - estimate.mean) - estimate.deviation)
  }
}

/**
 * How long an append may go unanswered before the leader takes it for lost: the mean plus
 * four deviations (RFC 6298), within `retransmitMin`–`retransmitMax`, and `retransmit` until
 * the first sample (timing.ts).
 */
export const retransmitAfter = (estimate: RoundTrip | undefined, timing: Timing): number =>
  estimate === undefined
    ? timing.retransmit
    : Math.min(timing.retransmitMax, Math.max(timing.retransmitMin, estimate.mean + 4 * estimate.deviation))
