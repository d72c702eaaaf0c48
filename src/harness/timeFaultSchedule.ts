import { type NodeId, replicaId } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"

/**
 * A seed's faults in time, drawn from their own stream so that every other fault of the seed's
 * schedule is what it was before time faults existed. Each kind strikes half the seeds.
 *
 * - Clock drift: every replica's clock runs at its own rate within 1 ± MAX_DRIFT. The lease
 *   (timing.ts) ends 10% before voters stop refusing votes, measured on the leader's clock and
 *   theirs: a leader clock slow by ρ and a voter clock fast by ρ stay safe while
 *   (1 + ρ) / (1 − ρ) ≤ electionMin / lease = 1.11, that is ρ ≤ 5.2%. Quartz clocks drift by
 *   tens of parts per million, a few hundred under NTP's slewing; 5% is far past real hardware
 *   and just inside what the lease's margin allows.
 * - Pauses: a process frozen for up to MAX_PAUSE_SECONDS (most of them longer than the lease),
 *   two times in three the leader of the moment.
 * - Late datagrams: up to MAX_LATE of deliveries held back by more than an election timeout.
 */
export interface ScheduledTimeFaults {
  /** Each replica's clock rate, by replica index; empty when clocks keep kernel time. */
  readonly rates: ReadonlyArray<number>
  readonly pauses: ReadonlyArray<ScheduledPause>
  /** The share of deliveries held back by more than electionMax. */
  readonly late: number
}

/** A pause timed like the harness's events: `time` seconds into the request phase, for `seconds`. */
export interface ScheduledPause {
  readonly replica: NodeId | "leader"
  readonly time: number
  readonly seconds: number
}

export const MAX_DRIFT = 0.05
const MAX_PAUSES = 3
const MIN_PAUSE_SECONDS = 0.5
const MAX_PAUSE_SECONDS = 6
const MAX_LATE = 0.05

export const noTimeFaults: ScheduledTimeFaults = { rates: [], pauses: [], late: 0 }

export const generateTimeFaults = (seed: number, lifetime: number, replicas: number): ScheduledTimeFaults => {
  const stream = new RandomStream(seed ^ 0x71e7)
  const draw = (): number => stream.float()
  const tenth = (x: number): number => Math.round(x * 10) / 10
  const rates = draw() < 0.5 ? [] : Array.from({ length: replicas }, () => Math.round((1 + (2 * draw() - 1) * MAX_DRIFT) * 10_000) / 10_000)
  const pauses = draw() < 0.5
    ? []
    : Array.from({ length: 1 + Math.floor(draw() * MAX_PAUSES) }, (): ScheduledPause => ({
      replica: draw() < 2 / 3 ? "leader" : replicaId(Math.floor(draw() * replicas)),
      time: tenth(draw() * lifetime),
      seconds: tenth(MIN_PAUSE_SECONDS + draw() * (MAX_PAUSE_SECONDS - MIN_PAUSE_SECONDS))
    })).sort((a, b) => a.time - b.time)
  const late = draw() < 0.5 ? 0 : Math.round(draw() * MAX_LATE * 1000) / 1000
  return { rates, pauses, late }
}
