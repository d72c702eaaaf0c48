import type { NodeId } from "../../ids.ts"
import type { Timing } from "../timing.ts"

/** The leader's view of one follower (the paper's nextIndex/matchIndex, plus timing). */
export interface Progress {
  /** Highest index known to be replicated on this follower. */
  readonly match: number
  /** Next index to send; advanced optimistically on send so appends pipeline. */
  readonly next: number
  /** When the leader last sent this follower anything. */
  readonly sentAt: number
  /** When the leader last heard from it (for check-quorum and choosing whom to lean on). */
  readonly heardAt: number
  /** When the leader last sent it something it must answer: entries, a snapshot chunk, or an ack request. */
  readonly askedAt: number
  /** The latest send time (`at`) this follower acknowledged: anchors the read lease. */
  readonly ackedAt: number
  /** Current retransmission timeout: doubles with each unanswered resend, resets when it answers. */
  readonly rto: number
  /** While it catches up by snapshot (§7): how many items of the snapshot at `lastIndex` it holds. */
  readonly snapshot: { readonly lastIndex: number; readonly offset: number } | undefined
}

export type ProgressMap = ReadonlyMap<NodeId, Progress>

export const initialProgress = (next: number, now: number, rto: number): Progress => ({
  match: 0,
  next,
  sentAt: Number.NEGATIVE_INFINITY,
  heardAt: now,
  askedAt: Number.NEGATIVE_INFINITY,
  ackedAt: Number.NEGATIVE_INFINITY,
  rto,
  snapshot: undefined
})

/**
 * When a follower is next due a heartbeat: every `heartbeat` ms, or, once it has answered
 * nothing it was asked for `silentAfter`, about as often as it has been silent, up to
 * `silentHeartbeatMax`. A killed follower would otherwise cost a message every period until
 * the run ends (advanced-2 spent 114 of its ≈ 1,480 messages that way, crash-4 91 of 1,183).
 * Backing off any sooner starves a live follower on a lossy link: heard from less, it is
 * asked less, and is heard from less.
 */
export const heartbeatDueAt = (progress: Progress, timing: Timing): number => {
  const silence = progress.sentAt - progress.heardAt
  const silent = owesAnswer(progress) && silence >= timing.silentAfter
  return progress.sentAt + (silent ? Math.min(timing.silentHeartbeatMax, silence) : timing.heartbeat)
}

/**
 * Whether the follower has not answered since it was last asked to. An answer takes time to
 * come, so one heard at the instant of asking is not its answer: a new leader starts with
 * every follower heard at its election, the instant it sends them its no-op.
 */
export const owesAnswer = (progress: Progress): boolean => progress.heardAt <= progress.askedAt

/** `progress` with `changes`, built field by field for the reason `stateWith` gives (state.ts). */
export const progressWith = (progress: Progress, changes: Partial<Progress>): Progress => ({
  match: changes.match ?? progress.match,
  next: changes.next ?? progress.next,
  sentAt: changes.sentAt ?? progress.sentAt,
  heardAt: changes.heardAt ?? progress.heardAt,
  askedAt: changes.askedAt ?? progress.askedAt,
  ackedAt: changes.ackedAt ?? progress.ackedAt,
  rto: changes.rto ?? progress.rto,
  snapshot: "snapshot" in changes ? changes.snapshot : progress.snapshot
})

export const updateProgress = (map: ProgressMap, peer: NodeId, change: (progress: Progress) => Progress): ProgressMap => {
  const current = map.get(peer)
  if (current === undefined) return map
  const next = new Map(map)
  next.set(peer, change(current))
  return next
}

/** Followers ordered by how recently they answered: the first ones are the quorum to lean on. */
export const byFreshness = (map: ProgressMap): ReadonlyArray<NodeId> =>
  [...map.entries()].sort(([a, pa], [b, pb]) => pb.heardAt - pa.heardAt || (a < b ? -1 : 1)).map(([peer]) => peer)
