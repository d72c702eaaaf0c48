import type { RunResult } from "../result.ts"
import { TIER_NAMES } from "../tiers.ts"
import type { Trace } from "../trace.ts"
import { latencyCdf, latencyOverTime, messageKindNames, messagesPerSecond, witness } from "./charts.ts"
import { escapeHtml } from "./svg.ts"

/*
 * report.html: one run as a page a student can open from the artifacts folder. One file, no
 * script and nothing fetched, so it opens offline, in any browser, and in a headless one in CI
 * (scripts/checkReport.mjs).
 */

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 940px; color: #1d1d1f; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.status-pass { color: #137333; } .status-fail { color: #b3261e; } .status-inconclusive { color: #a05a00; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border-bottom: 1px solid #ddd; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
.ok { color: #137333; } .bad { color: #b3261e; } .muted { color: #666; }
svg { display: block; margin: 6px 0; } svg text { font-size: 10px; fill: #333; } svg .title { font-size: 11px; }
.axis { stroke: #333; } .tick { stroke: #333; } .grid { stroke: #eee; }
circle.get { fill: #1a73e8; } circle.put { fill: #e8710a; opacity: 0.7; }
.get-line { fill: none; stroke: #1a73e8; stroke-width: 2; } .put-line { fill: none; stroke: #e8710a; stroke-width: 2; }
.partition { fill: #fbbc04; opacity: 0.18; } .kill { stroke: #b3261e; stroke-dasharray: 4 3; } .kill-label { fill: #b3261e; }
.unanswered { stroke: #b3261e; stroke-width: 2; } .leader { fill: #137333; font-size: 9px; }
.kind0 { stroke: #1a73e8; } .kind1 { stroke: #34a853; } .kind2 { stroke: #a142f4; } .kind3 { stroke: #607d8b; } .kind4 { stroke: #e8710a; } .kind5 { stroke: #b3261e; }
polyline[class^="kind"] { fill: none; stroke-width: 1.5; }
.legend span { margin-right: 14px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
rect.op-get { fill: #d2e3fc; stroke: #1a73e8; } rect.op-put { fill: #fde3cf; stroke: #e8710a; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
`

const SWATCHES = ["#1a73e8", "#34a853", "#a142f4", "#607d8b", "#e8710a", "#b3261e"]

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`)
    .join("")}</table>`

const metricText = (name: string, value: number | undefined): string =>
  value === undefined ? "–" : name === "median_latency" ? `${(value * 1000).toFixed(3)} ms` : String(value)

const scorecard = (result: RunResult): string => {
  const checks = result.checks.map((check) => [
    `<span class="${check.passed ? "ok" : "bad"}">${check.passed ? "pass" : "FAIL"}</span>`,
    escapeHtml(check.description),
    escapeHtml(check.detail)
  ])
  const metrics = result.performance.map((metric) => [
    escapeHtml(metric.name),
    escapeHtml(metricText(metric.name, metric.value)),
    escapeHtml(metric.thresholds.map((t) => metricText(metric.name, t)).join(" / ")),
    metric.tier === undefined ? `<span class="muted">not scored</span>` : escapeHtml(TIER_NAMES[metric.tier] ?? "")
  ])
  return table(["", "correctness check", "detail"], checks) + table(["metric", "value", "bonus / full / partial below", "tier"], metrics)
}

const failovers = (result: RunResult): string =>
  result.stats.recoveries.length === 0
    ? `<p class="muted">No leader kill or hard partition in this run.</p>`
    : table(
        ["event", "at (s into requests)", "first ok after"],
        result.stats.recoveries.map((r) => [
          escapeHtml(r.event),
          (r.atMs / 1000).toFixed(3),
          r.servedAfterMs === undefined ? `<span class="bad">never</span>` : `${r.servedAfterMs.toFixed(0)} ms by ${escapeHtml(r.servedBy ?? "")}`
        ])
      )

const unanswered = (result: RunResult): string =>
  result.stats.unanswered.length === 0
    ? `<p class="muted">Every request was answered.</p>`
    : table(
        ["client", "MID", "kind", "sent to", "sent at (s into requests)", "why unanswered"],
        result.stats.unanswered.map((u) => [
          escapeHtml(u.client),
          escapeHtml(u.mid),
          u.kind,
          escapeHtml(u.sentTo ?? "–"),
          (u.sentAtMs / 1000).toFixed(3),
          escapeHtml(u.cause)
        ])
      )

const exits = (result: RunResult): string =>
  result.stats.exits
    .map(
      (exit) =>
        `<p class="bad">${escapeHtml(exit.replica)} exited on its own (${escapeHtml(exit.how)}) at ${(exit.atMs / 1000).toFixed(3)} s.</p>` +
        ((exit.stderrTail ?? []).length > 0 ? `<pre>${escapeHtml((exit.stderrTail ?? []).join("\n"))}</pre>` : "")
    )
    .join("")

const linearizability = (result: RunResult): string => {
  const verdict = result.linearizability
  if (verdict._tag === "Linearizable") return `<p class="ok">The history is linearizable (${verdict.operations} operations on ${verdict.keys} keys).</p>`
  if (verdict._tag === "Inconclusive") return `<p class="status-inconclusive">Inconclusive on key ${escapeHtml(verdict.key)}: ${escapeHtml(verdict.reason)}</p>`
  return (
    `<p class="bad">Not linearizable. Key <code>${escapeHtml(verdict.key)}</code>, the smallest set of its operations that no order explains:</p>` +
    witness(verdict.operations) +
    `<pre>${escapeHtml(verdict.explanation)}</pre>`
  )
}

const legend = (entries: ReadonlyArray<readonly [string, string]>): string =>
  `<p class="legend">${entries.map(([color, name]) => `<span><i class="swatch" style="background:${color}"></i>${escapeHtml(name)}</span>`).join("")}</p>`

/** The whole page for one run, from what `--out` writes beside it. */
export const reportPage = (result: RunResult, trace: Trace): string => {
  const endMs = result.durationMs
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kvsim: ${escapeHtml(result.name)} seed ${result.seed}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(result.name)}, seed ${result.seed}: <span class="status-${result.status}">${result.status.toUpperCase()}</span></h1>
<p class="muted">${result.history.length} operations, ${result.stats.totalMsgs} messages between replicas, ended by ${escapeHtml(result.endedBy)} at ${(endMs / 1000).toFixed(1)} s. Files beside this page: result.json, history.jsonl, messages.jsonl, events.jsonl (docs/artifacts.md).</p>
<h2>Scorecard</h2>
${scorecard(result)}
<h2>Linearizability</h2>
${linearizability(result)}
${exits(result)}
<h2>Latency over time</h2>
${legend([["#1a73e8", "get"], ["#e8710a", "put"], ["#b3261e", "kill, or a request never answered (top)"], ["#fbbc04", "partition"], ["#137333", "leader the harness believes in (bottom)"]])}
${latencyOverTime(result.history, trace.events, endMs)}
<h2>Latency CDF</h2>
${legend([["#1a73e8", "gets"], ["#e8710a", "puts"]])}
${latencyCdf(result.history)}
<h2>Datagrams per second</h2>
${legend(messageKindNames.map((name, i) => [SWATCHES[i] ?? "#000", name] as const))}
${messagesPerSecond(trace.messages, endMs)}
<h2>Failover</h2>
${failovers(result)}
<h2>Unanswered requests</h2>
${unanswered(result)}
</body></html>
`
}
