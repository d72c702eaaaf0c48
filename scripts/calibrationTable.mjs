// `node scripts/calibrationTable.mjs FILE [--commit C]`: writes the BENCHMARKS.md section of one
// `npm run calibrate -- --out FILE` measurement: per config, the reference's numbers beside
// kvsim's, each column naming its harness, and the calibration verdicts.
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { writeSection } from "./benchmarksFile.mjs"
import { scriptArgs } from "./scriptArgs.mjs"

const USAGE = "usage: node scripts/calibrationTable.mjs FILE [--commit C]   (FILE: the JSON of npm run calibrate -- --out FILE)"
const { values: flags, rest } = scriptArgs(USAGE, { valued: ["--commit"], positional: true })
const [file, ...extra] = rest
if (file === undefined || extra.length > 0) {
  process.stderr.write(`${USAGE}\n`)
  process.exit(2)
}
const doc = JSON.parse(readFileSync(file, "utf8"))
const commit = flags.commit ?? doc.commit
const replica = path.basename(doc.replica)

const TIER = ["B", "F", "P", "N"]
const measured = (runs) => runs.filter((run) => run.error === undefined)
const values = (runs, field) => measured(runs).map((run) => run[field]).filter((v) => typeof v === "number")
const median = (list) => {
  if (list.length === 0) return undefined
  const sorted = [...list].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const whole = (v) => (v === undefined ? "–" : Math.round(v).toLocaleString("en-US"))
const ms = (v) => (v === undefined ? "–" : v.toFixed(3))
/** Median, with the worst (largest) run when it differs. */
const spread = (runs, field, format = whole) => {
  const list = values(runs, field)
  if (list.length === 0) return "–"
  const worst = Math.max(...list)
  const mid = median(list)
  return worst === mid ? format(mid) : `${format(mid)} (max ${format(worst)})`
}
/** Each run's tier for one metric, "–" for a run that got none (it failed correctness). */
const tiers = (runs, metric) => measured(runs).map((run) => (typeof run.tiers?.[metric] === "number" ? TIER[run.tiers[metric]] : "–")).join("")
const causes = (runs) => {
  const counts = new Map()
  for (const run of measured(runs)) {
    for (const request of run.raw?.stats?.unanswered ?? []) counts.set(request.cause, (counts.get(request.cause) ?? 0) + 1)
  }
  return counts.size === 0 ? "–" : [...counts].map(([cause, n]) => `${n} ${cause}`).join(", ")
}
const pass = (runs) => `${measured(runs).filter((run) => run.correct).length}/${runs.length}`
const METRIC_NAMES = {
  correct: "correctness",
  totalMsgs: "messages",
  redirects: "redirects",
  unanswered: "unanswered",
  failures: "failures",
  duplicates: "duplicates",
  medianLatencyMs: "median latency"
}
const disagreements = (verdicts) =>
  Object.entries(verdicts)
    .filter(([, v]) => typeof v?.verdict === "string" && v.verdict.startsWith("disagree"))
    .map(([name, v]) => `${METRIC_NAMES[name] ?? name} ${v.verdict.replace(/^disagree ?/, "")}`.trim())
/** How the replica was named: ours is the default; another is named as the repository holds it. */
const replicaFlag = (file) => {
  const name = path.basename(file)
  if (name === "3700kvstore") return ""
  return existsSync(path.join("scripts", name)) ? ` --replica scripts/${name}` : ` --replica ${file}`
}

const lines = []
const title = `Reference and kvsim: ${replica}`
lines.push(`## ${title}`, "")
lines.push(
  `Measured by \`npm run calibrate -- --reference <run>${replicaFlag(doc.replica)} --runs ${doc.runs} --out FILE` +
    `${doc.configs.length === 17 ? "" : ` ${doc.configs.map((c) => c.name).join(" ")}`}\`, ` +
    `then \`node scripts/calibrationTable.mjs FILE\`; commit ${commit ?? "unknown"}, ${doc.started.slice(0, 10)}, ` +
    `${doc.machine.cpus} × ${doc.machine.model}, Node ${doc.machine.node}, run alone. ` +
    `Each config ran ${doc.runs} time(s) under **the reference** (the course's \`run\`, with \`-s\`) and ` +
    `${doc.runs} time(s) under **kvsim** real mode (seeds ${doc.seeds.join(", ")}), in turn.`
)
lines.push("")
lines.push(
  "Cells: the median over the runs, with the worst run when it differs; tiers per run (B bonus, F full, P partial, N none, – none given: correctness failed). " +
    "Redirects count redirect and fail responses, as the reference does. Latency in milliseconds. " +
    "\"kvsim: unanswered, by cause\" sums kvsim's runs (the reference names no causes). " +
    "\"verdict\" lists the metrics kvsim disagrees on under the tolerance of docs/calibration-tool.md."
)
lines.push("")
lines.push(
  "| config | correct (ref / kvsim) | messages (ref) | messages (kvsim) | msg tiers (ref / kvsim) | redirects (ref) | redirects (kvsim) | failures (ref) | failures (kvsim) | kvsim: unanswered, by cause | median latency (ref) | median latency (kvsim) | latency tiers (ref / kvsim) | verdict |"
)
lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
let equal = 0
let cells = 0
for (const config of doc.configs) {
  const ref = config.reference
  const kv = config.kvsim
  equal += config.verdicts.tiers.equal
  cells += config.verdicts.tiers.cells
  const disagree = disagreements(config.verdicts)
  lines.push(
    `| ${config.name} | ${pass(ref)} / ${pass(kv)} | ${spread(ref, "totalMsgs")} | ${spread(kv, "totalMsgs")} | ${tiers(ref, "total_msgs")} / ${tiers(kv, "total_msgs")} | ` +
      `${spread(ref, "redirects")} | ${spread(kv, "redirects")} | ${spread(ref, "failures")} | ${spread(kv, "failures")} | ${causes(kv)} | ` +
      `${spread(ref, "medianLatencyMs", ms)} | ${spread(kv, "medianLatencyMs", ms)} | ${tiers(ref, "median_latency")} / ${tiers(kv, "median_latency")} | ` +
      `${disagree.length === 0 ? "agree" : disagree.join("; ")} |`
  )
}
lines.push("")
lines.push(`Run-paired tier cells (all four metrics, both runs correct): ${equal}/${cells} equal${cells === 0 ? "" : ` (${((100 * equal) / cells).toFixed(1)}%)`}.`)
writeSection(title, lines.join("\n"))
process.stdout.write(`wrote "## ${title}" to BENCHMARKS.md\n`)
