import type { Unanswered } from "../domain/harness/clients.ts"
import type { NodeId } from "../domain/ids.ts"
import type { Timing } from "../domain/raft/timing.ts"
import type { OneWayCut } from "../simulation/virtualNetwork.ts"

/** Every fault of a run that can cut replicas off, as it actually struck (kernel milliseconds). */
export interface FaultTimeline {
  readonly replicas: ReadonlyArray<NodeId>
  /** The request phase: from its first request to its end. */
  readonly requestsFromMs: number
  readonly requestsUntilMs: number
  /** The end of the run: what is unanswered then stays unanswered. */
  readonly endMs: number
  readonly drops: number
  /** The longest a datagram may be held back past its hop (late deliveries), 0 when none is. */
  readonly lateMs: number
  readonly kills: ReadonlyArray<{ readonly atMs: number; readonly replica: NodeId }>
  /** Each partition's majority side, from `atMs`; `undefined` heals it. */
  readonly partitions: ReadonlyArray<{ readonly atMs: number; readonly majority: ReadonlyArray<NodeId> | undefined }>
  readonly cuts: ReadonlyArray<OneWayCut>
  readonly pauses: ReadonlyArray<{ readonly replica: NodeId; readonly startMs: number; readonly endMs: number }>
}

export type HarnessOnlyCause =
  | "majority dead"
  | "no live, connected majority at the end"
  | "drops ≥ 30%"
  | "no live, connected majority most of the time"
  | "faults before a healthy end"
  | `incorrect responses only (${string})`

/**
 * Why a run that broke no safety property still failed a harness check. A liveness failure is
 * a replica bug; the causes are the faults' doing.
 */
export type Availability =
  | {
    readonly _tag: "LivenessFailure"
    /** Every replica in some live, connected majority throughout the final stretch, and when it began. */
    readonly members: ReadonlyArray<NodeId>
    readonly sinceMs: number
    readonly unanswered: ReadonlyArray<Unanswered>
  }
  | { readonly _tag: "Explained"; readonly cause: HarnessOnlyCause }

/** Drops at or above this share are heavy enough to explain unanswered requests by themselves. */
const HEAVY_DROPS = 0.3

/**
 * A set of replicas is a live, connected majority at time t when it holds a majority of the
 * replicas, none of them killed by t or paused at t, and every one of them can send to every
 * other at t: no partition separates any two and no one-way cut in force runs between any two,
 * either way. Duplicates, delays and clock drift do not break it; drops of HEAVY_DROPS or more
 * do, for the whole run (elections then take round after round).
 *
 * The final stretch runs from the last fault event (a kill, a partition or heal, a cut or pause
 * beginning or ending) to the end of the run. A run is a liveness failure when a live,
 * connected majority holds throughout it, and a request sent to one of its members is
 * unanswered though it was sent at least electionMax into the stretch (time for an election)
 * and at least parkLimit before the end (the longest a replica holds a request before it
 * answers, redirects or fails it) plus the longest a late delivery may hold the request back.
 */
export const classifyAvailability = (timeline: FaultTimeline, unanswered: ReadonlyArray<Unanswered>, timing: Timing): Availability => {
  const intervals = healthIntervals(timeline)
  const alive = timeline.replicas.length - new Set(timeline.kills.map((kill) => kill.replica)).size
  const final = intervals.at(-1)
  const members = membersOf(timeline.replicas, (final?.majorities ?? []).reduce((union, mask) => union | mask, 0))
  const until = timeline.endMs - timing.parkLimit - timeline.lateMs
  const healthyEnd = final !== undefined && members.length > 0 && final.fromMs + timing.electionMax <= until
  if (healthyEnd && timeline.drops < HEAVY_DROPS) {
    const missed = unanswered.filter((request) => {
      const sentAt = timeline.requestsFromMs + request.sentAtMs
      return request.sentTo !== undefined && members.includes(request.sentTo) && sentAt >= final.fromMs + timing.electionMax && sentAt <= until
    })
    if (missed.length > 0) return { _tag: "LivenessFailure", members, sinceMs: final.fromMs, unanswered: missed }
  }
  if (alive < quorum(timeline.replicas.length)) return { _tag: "Explained", cause: "majority dead" }
  if (!healthyEnd) return { _tag: "Explained", cause: "no live, connected majority at the end" }
  if (timeline.drops >= HEAVY_DROPS) return { _tag: "Explained", cause: "drops ≥ 30%" }
  const phase = [timeline.requestsFromMs, timeline.requestsUntilMs] as const
  const healthy = intervals.reduce((sum, i) => sum + (i.majorities.length > 0 ? overlap([i.fromMs, i.untilMs], phase) : 0), 0)
  if (healthy < (phase[1] - phase[0]) / 2) return { _tag: "Explained", cause: "no live, connected majority most of the time" }
  return { _tag: "Explained", cause: "faults before a healthy end" }
}

const quorum = (replicas: number): number => Math.floor(replicas / 2) + 1

const overlap = (a: readonly [number, number], b: readonly [number, number]): number =>
  Math.max(0, Math.min(a[1], b[1]) - Math.max(a[0], b[0]))

interface Interval {
  readonly fromMs: number
  readonly untilMs: number
  /** Every live, connected majority throughout it, as bit masks over the replicas. */
  readonly majorities: ReadonlyArray<number>
}

/** The run cut where any fault begins or ends, with the live, connected majorities of each piece. */
const healthIntervals = (timeline: FaultTimeline): ReadonlyArray<Interval> => {
  const points = new Set<number>([0, timeline.endMs])
  for (const kill of timeline.kills) points.add(kill.atMs)
  for (const partition of timeline.partitions) points.add(partition.atMs)
  for (const cut of timeline.cuts) points.add(cut.startMs).add(cut.endMs)
  for (const pause of timeline.pauses) points.add(pause.startMs).add(pause.endMs)
  const sorted = [...points].filter((at) => at >= 0 && at <= timeline.endMs).sort((a, b) => a - b)
  return sorted.slice(0, -1).map((fromMs, k) => ({ fromMs, untilMs: sorted[k + 1] as number, majorities: majoritiesAt(timeline, fromMs) }))
}

/** Faults change only at the interval's ends, so what holds at its start holds throughout. */
const majoritiesAt = (timeline: FaultTimeline, at: number): ReadonlyArray<number> => {
  const { replicas } = timeline
  const usable = (id: NodeId): boolean =>
    !timeline.kills.some((kill) => kill.replica === id && kill.atMs <= at) &&
    !timeline.pauses.some((pause) => pause.replica === id && pause.startMs <= at && at < pause.endMs)
  const majority = timeline.partitions.filter((partition) => partition.atMs <= at).at(-1)?.majority
  const side = (id: NodeId): boolean => majority === undefined || majority.includes(id)
  const reaches = (a: NodeId, b: NodeId): boolean =>
    side(a) === side(b) && !timeline.cuts.some((cut) => cut.startMs <= at && at < cut.endMs && cut.from.includes(a) && cut.to.includes(b))
  const found: Array<number> = []
  for (let mask = 1; mask < 1 << replicas.length; mask++) {
    const members = membersOf(replicas, mask)
    if (members.length < quorum(replicas.length) || !members.every(usable)) continue
    if (members.every((a) => members.every((b) => a === b || reaches(a, b)))) found.push(mask)
  }
  return found
}

const membersOf = (replicas: ReadonlyArray<NodeId>, mask: number): ReadonlyArray<NodeId> =>
  replicas.filter((_, i) => (mask & (1 << i)) !== 0)
