/**
 * `npm run fuzz [-- --count N] [--seed S]`: a million hostile datagrams (by default) against two
 * live five-replica clusters (fuzzRun.ts), one table of what became of them; exits 1 on any crash or
 * broken expectation. The same seed and count replay the same run.
 */
import type { Activity } from "./cluster.ts"
import { type CampaignResult, runCampaign } from "./fuzzRun.ts"

const DEFAULT_COUNT = 1_000_000
const DEFAULT_SEED = 1

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} needs a whole number, not "${process.argv[at + 1]}"`)
  return value
}

const count = (n: number): string => n.toLocaleString("en-US")

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

const seed = option("--seed", DEFAULT_SEED)
const total = option("--count", DEFAULT_COUNT)
const started = performance.now()
const result = runCampaign({ seed, count: total, onProgress: (sent) => process.stderr.write(`fuzz: ${count(sent)} of ${count(total)}\n`) })
const seconds = (performance.now() - started) / 1000

process.stdout.write(
  [
    `${count(result.count)} hostile datagrams, seed ${seed} (replay: npm run fuzz -- --seed ${seed} --count ${result.count})`,
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
)
process.exitCode = result.crashes + result.violations > 0 ? 1 : 0
