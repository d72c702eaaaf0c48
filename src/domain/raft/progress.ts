import type { NodeId } from "../ids.ts"

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
  ackedAt: Number.NEGATIVE_INFINITY,
  rto,
  snapshot: undefined
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
