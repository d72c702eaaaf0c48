import type { Unanswered, UnansweredCause } from "./clients.ts"
import type { LatencySummary } from "./latency.ts"
import type { RunStatus } from "./status.ts"
import type { Check, Metric, RunResult, Verdict } from "./result.ts"
import { TIER_NAMES } from "./tiers.ts"

const ms = (value: number): string => `${value.toFixed(3)} ms`

const latencyJson = (summary: LatencySummary | undefined) =>
  summary === undefined ? null : { samples: summary.samples, meanMs: summary.meanMs, medianMs: summary.medianMs, p99Ms: summary.p99Ms }

const metricValue = (metric: Metric): string =>
  metric.value === undefined ? "n/a" : metric.name === "median_latency" ? `${metric.value.toFixed(6)} s` : String(metric.value)

const verdictText = (verdict: Verdict): string =>
  verdict._tag === "Linearizable"
    ? "linearizable"
    : verdict._tag === "Violation"
    ? `VIOLATION on key ${verdict.key}: ${verdict.explanation}`
    : `inconclusive (${verdict.reason})`

const row = (label: string, text: string): string => `  ${label.padEnd(18)} ${text}`

const MAX_UNANSWERED_LISTED = 10

const STATUS: Record<RunStatus, string> = { pass: "PASS", fail: "FAIL", inconclusive: "INCONCLUSIVE" }

const CAUSE_TEXT: Record<UnansweredCause, string> = {
  "killed-same-wake": "its replica was killed in the same wake-up of the harness loop, before it could answer",
  "killed-before-answer": "its replica was killed before it answered",
  "replica-exited": "its replica had exited",
  "not-delivered": "the harness could not hand it over: its replica had not said hello, and was taken for dead",
  "no-living-replica": "no replica was living to send it to",
  "never-answered": "never answered by a replica that stayed up"
}

const unansweredCauses = (requests: ReadonlyArray<Unanswered>): string => {
  if (requests.length === 0) return ""
  const counts = new Map<UnansweredCause, number>()
  for (const { cause } of requests) counts.set(cause, (counts.get(cause) ?? 0) + 1)
  return ` (${[...counts].map(([cause, count]) => `${count} ${cause}`).join(", ")})`
}

/** The human scorecard of one run: stats, then the correctness verdict, then the performance tiers. */
/**
 * A list short enough for one line: a replica that names a different leader in every answer
 * would otherwise print thousands (`--json` keeps them all).
 */
const abridged = (items: ReadonlyArray<string>, head = 8, tail = 3): string =>
  items.length <= head + tail + 1
    ? items.join(", ")
    : `${items.slice(0, head).join(", ")}, … (${items.length - head - tail} more), ${items.slice(-tail).join(", ")}`

export const formatScorecard = (result: RunResult): string => {
  const s = result.stats
  const lines: Array<string> = []
  lines.push(
    `${result.name} (seed ${result.seed}): ended by ${result.endedBy} ` +
      `after ${(result.durationMs / 1000).toFixed(2)} s`
  )
  if (result.endedBy === "every replica exited") {
    lines.push("  no replica process was left; the rest of the run was played out at once, as the reference runs it, with nobody to answer")
  }
  lines.push(row("leaders seen", s.leaders.length === 0 ? "0" : `${s.leaders.length}: ${abridged(s.leaders)}`))
  lines.push(
    row(
      "replicas",
      `died ${s.died.length}${s.died.length > 0 ? ` (${s.died.join(", ")})` : ""}, ` +
        `killed ${s.killed.length}${s.killed.length > 0 ? ` (${s.killed.join(", ")})` : ""}`
    )
  )
  for (const exit of s.exits) {
    lines.push(row("", `${exit.replica} exited on its own (${exit.how}) at ${(exit.atMs / 1000).toFixed(3)} s: the reference does not notice`))
    const tail = exit.stderrTail ?? []
    if (tail.length > 0) lines.push(row("", `  its stderr ended with:`), ...tail.map((line) => row("", `  | ${line}`)))
  }
  lines.push(row("messages", `${s.totalMsgs} total, ${s.droppedMsgs} dropped, ${s.blockedMsgs} blocked by partitions`))
  lines.push(
    row(
      "client gets",
      `${s.gets.generated} generated, ${s.gets.ok} ok, ${s.gets.failed} failed, ${s.gets.unanswered} unanswered, ` +
        `${s.gets.failedToGenerate} failed to generate`
    )
  )
  lines.push(
    row("client puts", `${s.puts.generated} generated, ${s.puts.ok} ok, ${s.puts.failed} failed, ${s.puts.unanswered} unanswered`)
  )
  lines.push(row("keys stored", String(s.keysStored)))
  lines.push(row("duplicates", String(s.duplicates)))
  lines.push(row("unanswered", `${s.gets.unanswered + s.puts.unanswered}${unansweredCauses(s.unanswered)}`))
  for (const request of s.unanswered.slice(0, MAX_UNANSWERED_LISTED)) {
    lines.push(
      row(
        "",
        `${request.kind} ${request.mid} from ${request.client} to ${request.sentTo ?? "nobody"} at ` +
          `${(request.sentAtMs / 1000).toFixed(3)} s: ${CAUSE_TEXT[request.cause]}`
      )
    )
  }
  lines.push(row("redirects", String(s.redirects)))
  lines.push(row("failures", String(s.failures)))
  const reasons = s.incorrectByReason.map(({ count, reason }) => `${count} ${reason}`).join(", ")
  lines.push(row("incorrect", s.incorrect === 0 ? "0" : `${s.incorrect} (${reasons})`))
  lines.push(
    row(
      "latency",
      s.latency === undefined
        ? "no samples"
        : `mean ${ms(s.latency.meanMs)}, median ${ms(s.latency.medianMs)}, p99 ${ms(s.latency.p99Ms)} ` +
          `(${s.latency.samples} samples)`
    )
  )
  const kind = (summary: LatencySummary | undefined) =>
    summary === undefined ? "no samples" : `median ${ms(summary.medianMs)}, p99 ${ms(summary.p99Ms)}`
  lines.push(row("  of gets", kind(s.latencyByKind.get)))
  lines.push(row("  of puts", kind(s.latencyByKind.put)))
  for (const r of s.recoveries) {
    const served = r.servedAfterMs === undefined ? "no ok since" : `first ok after ${ms(r.servedAfterMs)}, from ${r.servedBy}`
    lines.push(row("failover", `${r.event} at ${(r.atMs / 1000).toFixed(3)} s: ${served}`))
  }
  const cpu = result.replicaCpu
  if (cpu !== undefined) {
    const perRequest = cpu.perRequestUs === undefined ? "" : `, ${cpu.perRequestUs.toFixed(0)} µs per request`
    lines.push(row("replica CPU", `${cpu.totalMs.toFixed(0)} ms from the first request on${perRequest}`))
  }
  lines.push(row("linearizability", `${verdictText(result.linearizability)} (${result.history.length} operations)`))
  const failed = result.checks.filter((check) => !check.passed)
  lines.push(`Correctness: ${STATUS[result.status]}`)
  for (const check of failed) lines.push(`  failed: ${check.description}: ${check.detail}`)
  for (const example of s.incorrectExamples) {
    lines.push(`  incorrect at ${example.atMs.toFixed(1)} ms from ${example.from} (${example.reason}): ${example.datagram}`)
  }
  lines.push("Performance:")
  for (const metric of result.performance) {
    const [bonus, full, partial] = metric.thresholds
    lines.push(
      `  ${metric.name.padEnd(15)} ${metricValue(metric).padStart(11)}   ` +
        `bonus < ${bonus}, full < ${full}, partial < ${partial}: ` +
        (metric.tier === undefined ? "not scored (correctness failed)" : `tier ${metric.tier} (${TIER_NAMES[metric.tier]})`)
    )
  }
  return lines.join("\n")
}

/** One line per run for `kvsim run all`: the verdict, the four tiers, and which checks failed. */
export const formatSummaryLine = (result: RunResult, nameWidth = 14): string => {
  const tiers = result.performance.map(
    (metric) => `${metric.name} ${metricValue(metric)} (${metric.tier === undefined ? "not scored" : TIER_NAMES[metric.tier]})`
  )
  const failed = result.checks.filter((check) => !check.passed).map((check) => check.id)
  return `${STATUS[result.status]} ${result.name.padEnd(nameWidth)} ${tiers.join(", ")}  [seed ${result.seed}]` +
    (failed.length > 0 ? `  failed: ${failed.join(", ")}` : "")
}

const verdictJson = (verdict: Verdict): Record<string, unknown> =>
  verdict._tag === "Linearizable"
    ? { verdict: "Linearizable" }
    : verdict._tag === "Violation"
    ? {
      verdict: "Violation",
      key: verdict.key,
      explanation: verdict.explanation,
      operations: verdict.operations.map((op) => op.id)
    }
    : { verdict: "Inconclusive", reason: verdict.reason }

const checkJson = (check: Check): Record<string, unknown> => ({ id: check.id, passed: check.passed, detail: check.detail })

/**
 * One run as plain JSON data, every object built field by field so the key order is fixed:
 * the same seed and the same inputs give byte-identical output. The history is left out (the
 * verdict stands for it); undefined values become null.
 */
export const summaryOf = (result: RunResult): Record<string, unknown> => {
  const s = result.stats
  return {
    name: result.name,
    seed: result.seed,
    correct: result.correct,
    status: result.status,
    endedBy: result.endedBy,
    durationMs: result.durationMs,
    checks: result.checks.map(checkJson),
    performance: result.performance.map((metric) => ({
      name: metric.name,
      value: metric.value ?? null,
      thresholds: [...metric.thresholds],
      tier: metric.tier ?? null,
      tierName: metric.tier === undefined ? null : TIER_NAMES[metric.tier]
    })),
    linearizability: verdictJson(result.linearizability),
    timeline: result.timeline.map((window) => ({
      fromMs: window.fromMs,
      toMs: window.toMs,
      invoked: window.invoked,
      unanswered: window.unanswered,
      answered: window.answered,
      newKeys: window.newKeys,
      medianMs: window.latency?.medianMs ?? null,
      p99Ms: window.latency?.p99Ms ?? null,
      leaders: [...window.leaders]
    })),
    replicaCpu:
      result.replicaCpu === undefined
        ? null
        : { totalMs: result.replicaCpu.totalMs, perRequestUs: result.replicaCpu.perRequestUs ?? null },
    stats: {
      leaders: [...s.leaders],
      died: [...s.died],
      killed: [...s.killed],
      exits: s.exits.map((e) => ({ replica: e.replica, atMs: e.atMs, how: e.how, stderrTail: [...(e.stderrTail ?? [])] })),
      totalMsgs: s.totalMsgs,
      droppedMsgs: s.droppedMsgs,
      blockedMsgs: s.blockedMsgs,
      requestsSent: s.requestsSent,
      gets: {
        generated: s.gets.generated,
        ok: s.gets.ok,
        failed: s.gets.failed,
        unanswered: s.gets.unanswered,
        failedToGenerate: s.gets.failedToGenerate
      },
      puts: { generated: s.puts.generated, ok: s.puts.ok, failed: s.puts.failed, unanswered: s.puts.unanswered },
      keysStored: s.keysStored,
      duplicates: s.duplicates,
      redirects: s.redirects,
      failures: s.failures,
      unanswered: s.unanswered.map((u) => ({
        client: u.client,
        mid: u.mid,
        kind: u.kind,
        sentTo: u.sentTo ?? null,
        sentAtMs: u.sentAtMs,
        cause: u.cause
      })),
      incorrect: s.incorrect,
      incorrectByReason: s.incorrectByReason.map(({ count, reason }) => ({ reason, count })),
      incorrectExamples: s.incorrectExamples.map((e) => ({ atMs: e.atMs, from: e.from, reason: e.reason, datagram: e.datagram })),
      latency: latencyJson(s.latency),
      latencyByKind: { get: latencyJson(s.latencyByKind.get), put: latencyJson(s.latencyByKind.put) },
      recoveries: s.recoveries.map((r) => ({
        event: r.event,
        atMs: r.atMs,
        servedAfterMs: r.servedAfterMs ?? null,
        servedBy: r.servedBy ?? null
      })),
      operations: result.history.length
    }
  }
}

/** The JSON document `--json` prints: every run, and how many were correct. */
export const formatJson = (results: ReadonlyArray<RunResult>): string =>
  JSON.stringify(
    { passed: results.filter((r) => r.correct).length, total: results.length, runs: results.map(summaryOf) },
    null,
    2
  )
