import type { ChaosEvent, Config, EventType } from "../domain/harness/config.ts"
import { Trace } from "../domain/harness/trace.ts"
import { type NodeId, replicaId } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"
import { RaftInvariants } from "../domain/raft/invariants/invariants.ts"
import type { Violation } from "../domain/raft/invariants/violation.ts"
import { defaultTiming } from "../domain/raft/timing.ts"
import { driftedTime } from "../simulation/driftingClock.ts"
import type { Adversary } from "../simulation/virtualNetwork.ts"
import { leaseOverlap, type LeaseViolation } from "./leaseSafety.ts"
import { type Availability, classifyAvailability, type FaultTimeline } from "./liveness.ts"
import { generateTimeFaults, type ScheduledTimeFaults } from "./timeFaultSchedule.ts"
import { simulate, type SimulationOptions } from "./virtual.ts"

/**
 * One run of a fault campaign, as data: which standard config, and the faults laid over it.
 * Generated from a seed, so `kvsim`'s virtual mode replays it exactly; shrinking edits it.
 */
export interface Schedule {
  readonly seed: number
  readonly config: string
  readonly drops: number
  readonly events: ReadonlyArray<ChaosEvent>
  readonly adversary: Omit<Adversary, "cuts">
  readonly cuts: ReadonlyArray<ScheduledCut>
  /** Drifting clocks, paused processes and datagrams later than an election timeout. */
  readonly time: ScheduledTimeFaults
}

/** A one-way cut, timed like the harness's events: `time` seconds into the request phase, for `seconds`. */
export interface ScheduledCut {
  readonly from: ReadonlyArray<NodeId>
  readonly to: ReadonlyArray<NodeId>
  readonly time: number
  readonly seconds: number
}

/**
 * A run's fate. `Inconclusive` is neither safe nor unsafe: the invariants held, but the
 * linearizability checker could not decide the history (its search ran out of budget, or
 * nothing was answered), so the run vouches for nothing. A safe run that failed harness checks
 * says why (liveness.ts): the faults, or a liveness failure. `ReplicaFailed`: a replica threw
 * out of its shell, or spun (its timer rang over and over at one instant), and the run ended.
 */
export type Outcome =
  | { readonly _tag: "Safe"; readonly harnessChecksFailed: ReadonlyArray<string>; readonly availability?: Availability }
  | { readonly _tag: "InvariantBroken"; readonly violation: Violation | LeaseViolation; readonly atMs: number }
  | { readonly _tag: "NotLinearizable"; readonly explanation: string }
  | { readonly _tag: "Inconclusive"; readonly reason: string }
  | { readonly _tag: "ReplicaFailed"; readonly reason: string }

const EVENT_TYPES: ReadonlyArray<EventType> = ["part_easy", "part_hard", "part_end", "kill_leader", "kill_non_leader"]
const MAX_DROPS = 0.5
const MAX_DUPLICATE = 0.2
const MAX_DELAY_MS = 20
const MAX_EVENTS = 8
const MAX_CUTS = 4
const MAX_CUT_SECONDS = 6

/**
 * A seed's schedule: one of the standard configs in turn, drops up to 50%, duplicated and
 * delayed (reordered) datagrams, up to eight partitions, heals and kills at random times in
 * the request phase — rapid flapping included, since times are independent draws — and up to
 * four one-way cuts: a replica that can send but not hear (a leader that keeps sending while
 * deaf to its followers' answers), one that can hear but not send, or a single link down one
 * way. Time faults come on top (timeFaultSchedule.ts).
 */
export const generateSchedule = (
  seed: number,
  configNames: ReadonlyArray<string>,
  configOf: (name: string) => Pick<Config, "lifetime" | "replicas">
): Schedule => {
  const stream = new RandomStream(seed ^ 0xc0ffee)
  const draw = (): number => stream.float()
  const config = configNames[seed % configNames.length] as string
  const { lifetime, replicas } = configOf(config)
  const drops = Math.round(draw() * MAX_DROPS * 100) / 100
  const adversary = { duplicate: Math.round(draw() * MAX_DUPLICATE * 100) / 100, delayMs: Math.round(draw() * MAX_DELAY_MS) }
  const count = Math.floor(draw() * (MAX_EVENTS + 1))
  const events = Array.from({ length: count }, () => ({
    type: EVENT_TYPES[Math.floor(draw() * EVENT_TYPES.length)] as EventType,
    time: Math.round(draw() * lifetime * 10) / 10
  })).sort((a, b) => a.time - b.time)
  const ids = Array.from({ length: replicas }, (_, i) => replicaId(i))
  const pick = (from: ReadonlyArray<NodeId>): NodeId => from[Math.floor(draw() * from.length)] as NodeId
  const cuts = Array.from({ length: Math.floor(draw() * (MAX_CUTS + 1)) }, (): ScheduledCut => {
    const one = pick(ids)
    const others = ids.filter((id) => id !== one)
    const shape = draw()
    const [from, to] = shape < 1 / 3 ? [[one], others] : shape < 2 / 3 ? [others, [one]] : [[one], [pick(others)]]
    return { from, to, time: Math.round(draw() * lifetime * 10) / 10, seconds: Math.round(draw() * MAX_CUT_SECONDS * 10) / 10 }
  })
  return { seed, config, drops, events, adversary, cuts, time: generateTimeFaults(seed, lifetime, replicas) }
}

/** Tests substitute a deliberately broken replica, to see the campaign catch and shrink it. */
export type ReplicaFactory = SimulationOptions["replica"]

/** Only the harness's events (kills, partitions), none of its datagrams. */
class EventTrace extends Trace {
  override message(): void {}
}

/**
 * Runs a schedule with the invariants checked after every replica step, the lease's promise
 * among them (leaseSafety.ts); reports the first violation. A replica that throws or spins ends
 * its run, not the campaign.
 */
export const runSchedule = (schedule: Schedule, base: Config, replica?: ReplicaFactory): Outcome => {
  const invariants = new RaftInvariants()
  let broken: { readonly violation: Violation | LeaseViolation; readonly atMs: number } | undefined
  const config: Config = { ...base, drops: schedule.drops, events: schedule.events }
  const startMs = (at: number): number => (base.start_wait + at) * 1000
  const cuts = schedule.cuts.map(({ from, to, time, seconds }) => ({ from, to, startMs: startMs(time), endMs: startMs(time + seconds) }))
  const { rates, pauses, late } = schedule.time
  const rateOf = new Map(rates.map((rate, i) => [replicaId(i), rate]))
  const trace = new EventTrace()
  const paused: Array<FaultTimeline["pauses"][number]> = []
  const timing = defaultTiming
  const lateBy = { minMs: timing.electionMax, spreadMs: timing.electionMax }
  const lateDelivery = late === 0 ? {} : { late: { rate: late, ...lateBy } }
  let result: ReturnType<typeof simulate>
  try {
    result = simulate(config, {
      seed: schedule.seed,
      name: schedule.config,
      adversary: { ...schedule.adversary, cuts, ...lateDelivery },
      time: { rates, pauses: pauses.map(({ replica, time, seconds }) => ({ replica, startMs: startMs(time), endMs: startMs(time + seconds) })) },
      onPause: (replica, startMs, endMs) => paused.push({ replica, startMs, endMs }),
      trace,
      ...(replica === undefined ? {} : { replica }),
      observe: (now, states) => {
        if (broken !== undefined) return
        const violation = invariants.observe(states)[0] ?? leaseOverlap(states, (id) => driftedTime(now, rateOf.get(id) ?? 1))
        if (violation !== undefined) broken = { violation, atMs: now }
      }
    })
  } catch (error) {
    return { _tag: "ReplicaFailed", reason: error instanceof Error ? error.message : String(error) }
  }
  if (broken !== undefined) return { _tag: "InvariantBroken", ...broken }
  if (result.linearizability._tag === "Violation") return { _tag: "NotLinearizable", explanation: result.linearizability.explanation }
  if (result.linearizability._tag === "Inconclusive") return { _tag: "Inconclusive", reason: result.linearizability.reason }
  const failed = result.checks.filter((check) => !check.passed && check.id !== "linearizability").map((check) => check.id)
  if (failed.length === 0) return { _tag: "Safe", harnessChecksFailed: failed }
  const timeline: FaultTimeline = {
    replicas: Array.from({ length: base.replicas }, (_, i) => replicaId(i)),
    requestsFromMs: startMs(0),
    requestsUntilMs: startMs(base.lifetime),
    endMs: result.durationMs,
    drops: schedule.drops,
    lateMs: late === 0 ? 0 : lateBy.minMs + lateBy.spreadMs,
    kills: trace.events.flatMap((event) => (event.kind === "kill" ? [{ atMs: event.atMs, replica: event.replica }] : [])),
    partitions: trace.events.flatMap((event): FaultTimeline["partitions"] =>
      event.kind === "partition" ? [{ atMs: event.atMs, majority: event.majority }] : event.kind === "heal" ? [{ atMs: event.atMs, majority: undefined }] : []
    ),
    cuts,
    pauses: paused
  }
  const availability = classifyAvailability(timeline, result.stats.unanswered, timing)
  // The reference's read rule is stricter than linearizability: a get that sees a put still
  // in flight is "incorrect" to it, and reordered or late datagrams make that common.
  if (availability._tag === "Explained" && failed.length === 1 && failed[0] === "incorrect") {
    const reasons = result.stats.incorrectByReason.map(({ reason }) => reason).join(", ")
    return { _tag: "Safe", harnessChecksFailed: failed, availability: { _tag: "Explained", cause: `incorrect responses only (${reasons})` } }
  }
  return { _tag: "Safe", harnessChecksFailed: failed, availability }
}

const sameFailure = (a: Outcome, b: Outcome): boolean =>
  a._tag === b._tag && (a._tag !== "InvariantBroken" || (b._tag === "InvariantBroken" && a.violation.invariant === b.violation.invariant))

/**
 * The smallest schedule found that still fails the same way: faults are dropped one at a
 * time (each event, each cut, each pause, then the drops, duplication, delay, late datagrams
 * and clock drift), keeping every removal after which
 * the failure remains, until no single removal keeps it (delta debugging, one fault at a time).
 */
export const shrink = (schedule: Schedule, base: Config, failure: Outcome, replica?: ReplicaFactory): Schedule => {
  let current = schedule
  let progress = true
  while (progress) {
    progress = false
    const candidates: Array<Schedule> = [
      ...current.events.map((_, i) => ({ ...current, events: current.events.filter((__, j) => j !== i) })),
      ...current.cuts.map((_, i) => ({ ...current, cuts: current.cuts.filter((__, j) => j !== i) })),
      { ...current, drops: 0 },
      { ...current, adversary: { ...current.adversary, duplicate: 0 } },
      { ...current, adversary: { ...current.adversary, delayMs: 0 } },
      ...current.time.pauses.map((_, i) => ({ ...current, time: { ...current.time, pauses: current.time.pauses.filter((__, j) => j !== i) } })),
      { ...current, time: { ...current.time, late: 0 } },
      { ...current, time: { ...current.time, rates: [] } },
      ...current.time.rates.map((_, i) => ({ ...current, time: { ...current.time, rates: current.time.rates.map((rate, j) => (j === i ? 1 : rate)) } }))
    ]
    for (const candidate of candidates) {
      if (JSON.stringify(candidate) === JSON.stringify(current)) continue
      if (sameFailure(runSchedule(candidate, base, replica), failure)) {
        current = candidate
        progress = true
        break
      }
    }
  }
  return current
}
