import type { Activity } from "./cluster.ts"
import type { CampaignResult } from "./fuzzRun.ts"

const count = (n: number): string => n.toLocaleString("en-US")

/** One row per category of what became of its datagrams, and their totals. */
const table = (result: CampaignResult): string => {
  const header = ["category", "expected", "sent", "rejected", "unchanged", "changed", "crashes", "violations"]
  const rows = result.categories.map((c) => [c.name, c.expectation, c.sent, c.rejected, c.unchanged, c.changed, c.crashes, c.violations])
  const sum = (i: number) => rows.reduce((total, row) => total + (row[i] as number), 0)
  rows.push(["total", "", sum(2), sum(3), sum(4), sum(5), sum(6), sum(7)])
  const cells = [header, ...rows].map((row) => row.map((cell) => (typeof cell === "number" ? count(cell) : cell)))
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] as string).length)))
  return cells.map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join("  ")).join("\n")
}

const activity = (name: string, a: Activity, virtualMs: number): string =>
  `${name}: ${(virtualMs / 1000).toFixed(0)} s of virtual time, ${count(a.honestSteps)} honest steps, leaders elected ${count(a.elections)} ` +
  `(last term ${count(a.maxTerm)}), highest commit index ${count(a.maxCommit)}, ${count(a.clientOks)} client oks`

const lieEffects = (result: CampaignResult): string => {
  const { lies, broken } = result.lieEffects
  const list = [...broken].map(([invariant, n]) => `${invariant} ${count(n)}`).join(", ")
  return `lies stepped: ${count(lies)}; cluster invariants they broke (no replica can stop an unauthenticated lie): ${list === "" ? "none" : list}`
}

/** `npm run fuzz`'s report of a campaign that took `seconds` of wall time, with the command that replays it. */
export const fuzzReport = (result: CampaignResult, seconds: number): string =>
  [
    `${count(result.count)} hostile datagrams, seed ${result.seed} (replay: npm run fuzz -- --seed ${result.seed} --count ${result.count})`,
    "",
    table(result),
    "",
    `decoder: ${[...result.decodeReasons].map(([reason, n]) => `${reason} ${count(n)}`).join(", ")}`,
    activity("trusting cluster (all but lies)", result.activity.trusting, result.virtualMs.trusting),
    activity("lied-to cluster (lies only)", result.activity.lied, result.virtualMs.lied),
    lieEffects(result),
    `crashes ${result.crashes}, violations ${result.violations}`,
    `wall time ${seconds.toFixed(1)} s, ${count(Math.round(result.count / seconds))} datagrams/s`,
    ...(result.examples.length === 0 ? [] : ["", "first violations:", ...result.examples]),
    ...(result.lieEffects.examples.length === 0 ? [] : ["", "first effects of lies:", ...result.lieEffects.examples]),
    ""
  ].join("\n")

/** The progress line for `sent` of `total` datagrams. */
export const fuzzProgress = (sent: number, total: number): string => `fuzz: ${count(sent)} of ${count(total)}\n`
