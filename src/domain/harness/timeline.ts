import type { History } from "../history/operation.ts"
import { BROADCAST, type NodeId } from "../ids.ts"
import { type LatencySummary, summarizeLatency } from "./latency.ts"

/** A stretch of the request phase: how many operations started in it, and how they fared. */
export interface TimelineWindow {
  /** Milliseconds since the start of the run. */
  readonly fromMs: number
  readonly toMs: number
  /** Operations invoked in this window. */
  readonly invoked: number
  /** Of those, the ones never answered by the end of the run. */
  readonly unanswered: number
  /** Operations answered in this window: first send → ok, redirects and retries included. */
  readonly answered: number
  /** Keys first written in this window (by when the put started): how the data grew. */
  readonly newKeys: number
  readonly latency: LatencySummary | undefined
  /** Every replica the harness believed to lead at some moment of this window, in order. */
  readonly leaders: ReadonlyArray<NodeId>
}

/** Where the request phase lies in the run, in milliseconds since its start. */
export interface Phases {
  readonly requestsFromMs: number
  readonly requestsToMs: number
  readonly endMs: number
}

/**
 * The request phase cut into windows of `windowMs`, so a long run shows whether latency or
 * unanswered requests drift over time. The last window runs on to the end of the run and so
 * also takes the answers that come in during end_wait.
 */
export const timeline = (
  history: History,
  leaderChanges: ReadonlyArray<{ readonly at: number; readonly leader: NodeId }>,
  phases: Phases,
  windowMs: number
): ReadonlyArray<TimelineWindow> => {
  const { requestsFromMs: startMs, requestsToMs, endMs } = phases
  const count = Math.max(1, Math.ceil((requestsToMs - startMs) / windowMs))
  const windowOf = (at: number) => Math.min(count - 1, Math.max(0, Math.floor((at - startMs) / windowMs)))
  const invoked = new Array<number>(count).fill(0)
  const unanswered = new Array<number>(count).fill(0)
  const newKeys = new Array<number>(count).fill(0)
  const written = new Set<string>()
  const latencies = Array.from({ length: count }, (): Array<number> => [])
  for (const op of history) {
    const started = windowOf(op.invokedAt)
    invoked[started] = (invoked[started] ?? 0) + 1
    if (op.kind === "put" && !written.has(op.key)) {
      written.add(op.key)
      newKeys[started] = (newKeys[started] ?? 0) + 1
    }
    if (op.outcome._tag === "Ok") latencies[windowOf(op.outcome.respondedAt)]?.push(op.outcome.respondedAt - op.invokedAt)
    else unanswered[started] = (unanswered[started] ?? 0) + 1
  }
  return latencies.map((samples, i) => {
    const fromMs = startMs + i * windowMs
    const toMs = i === count - 1 ? endMs : startMs + (i + 1) * windowMs
    return {
      fromMs,
      toMs,
      invoked: invoked[i] ?? 0,
      unanswered: unanswered[i] ?? 0,
      answered: samples.length,
      newKeys: newKeys[i] ?? 0,
      latency: summarizeLatency(samples),
      leaders: leadersBetween(leaderChanges, fromMs, toMs)
    }
  })
}

const leadersBetween = (changes: ReadonlyArray<{ readonly at: number; readonly leader: NodeId }>, fromMs: number, toMs: number): ReadonlyArray<NodeId> => {
  const leaders: Array<NodeId> = []
  let current: NodeId = BROADCAST
  for (const change of changes) {
    if (change.at >= toMs) break
    if (change.at >= fromMs && current !== BROADCAST && leaders.at(-1) !== current) leaders.push(current)
    current = change.leader
  }
  if (current !== BROADCAST && leaders.at(-1) !== current) leaders.push(current)
  return leaders
}
