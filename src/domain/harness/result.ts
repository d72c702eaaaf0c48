import type { History } from "../history/operation.ts"
import type { checkHistory } from "../history/linearizability.ts"
import type { NodeId } from "../ids.ts"
import type { IncorrectExample } from "./tally.ts"
import type { IncorrectReason } from "./datagram.ts"
import type { Unanswered } from "./clients.ts"
import type { LatencySummary } from "./latency.ts"
import type { Exit } from "./roster.ts"
import type { RunStatus } from "./status.ts"
import type { Recovery } from "./recovery.ts"
import type { TimelineWindow } from "./timeline.ts"
import type { Thresholds, Tier } from "./tiers.ts"

export type Verdict = ReturnType<typeof checkHistory>

export interface RequestStats {
  /** Operations drawn of this kind, as the reference counts them: a get drawn with no key to read is sent as a put but counts here. */
  readonly generated: number
  /** Completed with an ok. */
  readonly ok: number
  /** `fail` responses received. */
  readonly failed: number
  /** Never completed by the end of the run. */
  readonly unanswered: number
}

export interface RunStats {
  readonly leaders: ReadonlyArray<NodeId>
  readonly died: ReadonlyArray<NodeId>
  readonly killed: ReadonlyArray<NodeId>
  /** Replica processes that ended on their own. The reference does not notice them; kvsim reports them. */
  readonly exits: ReadonlyArray<Exit>
  readonly totalMsgs: number
  readonly droppedMsgs: number
  readonly blockedMsgs: number
  readonly requestsSent: number
  readonly gets: RequestStats & { readonly failedToGenerate: number }
  readonly puts: RequestStats
  readonly keysStored: number
  readonly duplicates: number
  readonly redirects: number
  /** Failed gets + failed puts + unanswered gets + unanswered puts. */
  readonly failures: number
  /** Every request still waiting at the end, with why (clients.ts). */
  readonly unanswered: ReadonlyArray<Unanswered>
  readonly incorrect: number
  readonly incorrectByReason: ReadonlyArray<{ readonly reason: IncorrectReason; readonly count: number }>
  readonly incorrectExamples: ReadonlyArray<IncorrectExample>
  readonly latency: LatencySummary | undefined
  readonly latencyByKind: { readonly get: LatencySummary | undefined; readonly put: LatencySummary | undefined }
  /** Every leader kill and hard partition, and how long until clients were served again. */
  readonly recoveries: ReadonlyArray<Recovery>
}

export type CheckId = "incorrect" | "crashes" | "stored" | "unanswered" | "generation" | "replication" | "linearizability"

/** One correctness condition; the run is correct only if every check passed. */
export interface Check {
  readonly id: CheckId
  readonly description: string
  readonly passed: boolean
  readonly detail: string
}

export type MetricName = "total_msgs" | "failures" | "duplicates" | "median_latency"

export interface Metric {
  readonly name: MetricName
  /** Seconds for median_latency, a count otherwise; undefined when there were no samples. */
  readonly value: number | undefined
  readonly thresholds: Thresholds
  /** Undefined when the run failed correctness: the reference gives such a run no tiers. */
  readonly tier: Tier | undefined
}

/**
 * CPU time the replica processes spent while clients sent requests, read from the OS (real
 * mode on Linux): the replicas' own work, without the harness's share of the latency. Cold
 * caches cost CPU time too, so it still varies with what else the machine runs.
 */
export interface ReplicaCpu {
  /** User + system time of all replicas, summed, from the first request to the end of the run. */
  readonly totalMs: number
  /** That, per request the clients sent, in microseconds. */
  readonly perRequestUs: number | undefined
}

export type EndedBy = "time" | "max_packets" | "no living replica" | "every replica exited"

export interface RunResult {
  readonly name: string
  readonly seed: number
  readonly endedBy: EndedBy
  /** From t=0 to the end of the run, in milliseconds. */
  readonly durationMs: number
  readonly stats: RunStats
  readonly linearizability: Verdict
  readonly checks: ReadonlyArray<Check>
  readonly correct: boolean
  readonly status: RunStatus
  readonly performance: ReadonlyArray<Metric>
  readonly history: History
  /** The request phase minute by minute. */
  readonly timeline: ReadonlyArray<TimelineWindow>
  readonly replicaCpu?: ReplicaCpu
}
