// `npm run calibrate -- --reference <path to the reference's run> [options] [configs…]`:
// measures how far kvsim's real mode agrees with the course's own simulator ("the reference")
// on the same configs and replica. Each run of the reference is followed by one of kvsim, so
// drift in the machine's speed hits both alike. Prints a side-by-side table per config with a
// verdict per metric (tolerance rule: docs/calibration-tool.md), and with --out a JSON file of
// every run's numbers. Exit 0 whatever the verdicts (this is a measurement), 1 when some run
// produced no numbers, 2 on usage errors. Node's standard library only.
import { execFileSync } from "node:child_process"
import { accessSync, constants, existsSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { kvsim, KVSIM, standardConfigs } from "./kvsimRun.mjs"
import { scriptArgs } from "./scriptArgs.mjs"
import { kvsimAsReference, runReference, TIER_METRICS } from "./referenceRun.mjs"

const USAGE = `usage: npm run calibrate -- --reference PATH [options] [configs…]
  --reference PATH  the reference simulator (the course's \`run\`, Python 3); required
  --replica PATH    the replica program both harnesses start (default ./3700kvstore)
  --runs N          runs per config and harness (default 3)
  --seed S          kvsim's seed for the first run; run i uses S+i (default 1000)
  --out FILE        also write every run's numbers as JSON to FILE
  --help            print this and exit
configs: names in configs/ (simple-1) or paths to config files; default the 17 standard
configs (simple, unreliable, crash, partition, advanced). Build kvsim first (npm run build).
Exit status: 0 when every run was measured (whatever the verdicts), 1 when a harness produced
no numbers for some run, 2 on usage errors.`

const usageError = (message) => {
  process.stderr.write(`calibrate: ${message}\n\n${USAGE}\n`)
  process.exit(2)
}

// ---- arguments -------------------------------------------------------------------------------
const parsed = scriptArgs(USAGE, { valued: ["--reference", "--replica", "--runs", "--seed", "--out"], positional: true })
const options = { replica: "./3700kvstore", runs: 3, seed: 1000, ...parsed.values }
const positional = parsed.rest
if (options.reference === undefined) usageError("--reference PATH is required")
if (!existsSync(options.reference)) usageError(`no reference at ${options.reference}`)
const runs = Number(options.runs)
if (!/^\d+$/.test(String(options.runs)) || runs < 1) usageError(`--runs "${options.runs}" is not a positive count`)
const seed = Number(options.seed)
if (!/^\d+$/.test(String(options.seed))) usageError(`--seed "${options.seed}" is not a seed`)
try {
  accessSync(options.replica, constants.X_OK)
} catch {
  usageError(`replica ${options.replica} is missing or not executable`)
}
if (!existsSync(KVSIM)) usageError(`${KVSIM} is missing: run \`npm run build\` first`)
const configs = (positional.length > 0 ? positional : standardConfigs()).map((arg) => {
  const file = existsSync(arg) && arg.endsWith(".json") ? arg : path.join("configs", `${arg}.json`)
  if (!existsSync(file)) usageError(`no config "${arg}" (looked for ${file})`)
  return { name: path.basename(file, ".json"), file: path.resolve(file) }
})
const replica = path.resolve(options.replica)

// ---- statistics and the tolerance rule ------------------------------------------------------
const median = (values) => {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const known = (values) => values.filter((v) => typeof v === "number" && Number.isFinite(v))

const TOLERANCE = [
  "Tolerance (docs/calibration-tool.md). For each metric, let the reference's N runs have median m, range [min, max]",
  "and spread s = max - min. kvsim agrees when the median of its N runs lies in",
  "  counts (messages, redirects, unanswered, failures, duplicates): [min - s - a, max + s + a], a = 2*sqrt(m) + 1",
  "  median latency:                                                   [min - s, max + s], judged only with N >= 2",
  "correctness agrees when the pass counts are equal; tiers: the fraction of run-paired tier cells (run i of each",
  "harness, both correct) that are equal, reported without a verdict. One disagreement at N=3 is weak evidence;",
  "the sign test in the summary (kvsim above/below the reference across configs) is the test for a systematic bias."
]

/** The acceptance interval for kvsim's median, or a reason there is none. */
const interval = (refValues, kind) => {
  const r = known(refValues)
  if (r.length === 0) return { reason: "no reference value" }
  if (kind === "latency" && r.length < 2) return { reason: "N<2: spread unknown" }
  const min = Math.min(...r)
  const max = Math.max(...r)
  const spread = max - min
  const allowance = kind === "count" ? 2 * Math.sqrt(median(r)) + 1 : 0
  return { lo: Math.max(0, min - spread - allowance), hi: max + spread + allowance }
}

const METRICS = [
  { key: "totalMsgs", label: "messages", kind: "count" },
  { key: "redirects", label: "redirects", kind: "count" },
  { key: "unanswered", label: "unanswered", kind: "count" },
  { key: "failures", label: "failures", kind: "count" },
  { key: "duplicates", label: "duplicates", kind: "count" },
  { key: "medianLatencyMs", label: "median latency ms", kind: "latency" }
]

const judge = (refRuns, kvRuns) => {
  const ok = (list) => list.filter((run) => run.error === undefined)
  const ref = ok(refRuns)
  const kv = ok(kvRuns)
  const verdicts = {}
  const refPass = ref.filter((r) => r.correct).length
  const kvPass = kv.filter((r) => r.correct).length
  verdicts.correct = {
    reference: { pass: refPass, of: ref.length },
    kvsim: { pass: kvPass, of: kv.length },
    verdict: ref.length !== kv.length || ref.length === 0 ? "n/a" : refPass === kvPass ? "agree" : "disagree"
  }
  for (const metric of METRICS) {
    const r = known(ref.map((run) => run[metric.key]))
    const k = known(kv.map((run) => run[metric.key]))
    const range = interval(r, metric.kind)
    const km = median(k)
    const rm = median(r)
    let verdict
    if (range.reason !== undefined) verdict = `n/a (${range.reason})`
    else if (km === undefined) verdict = "n/a (no kvsim value)"
    else if (km < range.lo) verdict = "disagree (kvsim lower)"
    else if (km > range.hi) verdict = "disagree (kvsim higher)"
    else verdict = "agree"
    verdicts[metric.key] = {
      reference: { median: rm ?? null, min: r.length ? Math.min(...r) : null, max: r.length ? Math.max(...r) : null, n: r.length },
      kvsim: { median: km ?? null, min: k.length ? Math.min(...k) : null, max: k.length ? Math.max(...k) : null, n: k.length },
      interval: range.reason === undefined ? [range.lo, range.hi] : null,
      verdict
    }
  }
  // Tiers, paired by run index: only runs both harnesses judged correct have tiers.
  const pairs = []
  for (let i = 0; i < Math.min(refRuns.length, kvRuns.length); i++) {
    const a = refRuns[i].tiers
    const b = kvRuns[i].tiers
    if (a && b) for (const m of TIER_METRICS) pairs.push({ run: i, metric: m, reference: a[m], kvsim: b[m] })
  }
  verdicts.tiers = {
    equal: pairs.filter((p) => p.reference === p.kvsim).length,
    cells: pairs.length,
    byMetric: Object.fromEntries(
      TIER_METRICS.map((m) => [m, { reference: refRuns.map((run) => run.tiers?.[m] ?? null), kvsim: kvRuns.map((run) => run.tiers?.[m] ?? null) }])
    )
  }
  return verdicts
}

// ---- formatting ------------------------------------------------------------------------------
const fmt = (value, kind) => {
  if (value === null || value === undefined) return "–"
  if (kind === "latency") return value.toFixed(3)
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 1 })
}
const cell = (side, kind) =>
  side.n === 0 ? "–" : side.n === 1 || side.min === side.max ? fmt(side.median, kind) : `${fmt(side.median, kind)} (${fmt(side.min, kind)}–${fmt(side.max, kind)})`
const TIER_LETTER = ["B", "F", "P", "N"]
const tierText = (list) => list.map((t) => (t === null || t === undefined ? "–" : TIER_LETTER[t])).join(" ")
const row = (cols, widths) => cols.map((c, i) => (i === cols.length - 1 ? c : String(c).padEnd(widths[i]))).join("  ").trimEnd()
const WIDTHS = [22, 26, 26, 22, 0]

const configTable = (name, verdicts) => {
  const lines = [`## ${name}`, row(["metric", "reference", "kvsim", "kvsim must lie in", "verdict"], WIDTHS)]
  const c = verdicts.correct
  lines.push(row(["correct", `${c.reference.pass}/${c.reference.of}`, `${c.kvsim.pass}/${c.kvsim.of}`, "equal pass counts", c.verdict], WIDTHS))
  for (const metric of METRICS) {
    const v = verdicts[metric.key]
    const range = v.interval === null ? "–" : `${fmt(v.interval[0], metric.kind)} … ${fmt(v.interval[1], metric.kind)}`
    lines.push(row([metric.label, cell(v.reference, metric.kind), cell(v.kvsim, metric.kind), range, v.verdict], WIDTHS))
  }
  for (const m of TIER_METRICS) {
    const t = verdicts.tiers.byMetric[m]
    lines.push(row([`tier ${m}`, tierText(t.reference), tierText(t.kvsim), "", ""], WIDTHS))
  }
  const t = verdicts.tiers
  lines.push(row(["tiers (run-paired)", "", "", "", t.cells === 0 ? "no paired cells" : `${t.equal}/${t.cells} equal`], WIDTHS))
  return lines.join("\n")
}

/** Two-sided sign test: the probability of a split at least this uneven between above and below. */
const signTest = (above, below) => {
  const n = above + below
  if (n === 0) return 1
  const k = Math.min(above, below)
  let tail = 0
  let choose = 1
  for (let i = 0; i <= k; i++) {
    tail += choose
    choose = (choose * (n - i)) / (i + 1)
  }
  return Math.min(1, (2 * tail) / 2 ** n)
}

const summary = (results) => {
  const lines = ["## Summary over configs", row(["metric", "agree", "disagree", "n/a", "kvsim vs reference median (sign test)"], [22, 8, 10, 6, 0])]
  const verdictsOf = (key) => results.map((r) => r.verdicts[key].verdict)
  const count = (list, prefix) => list.filter((v) => v.startsWith(prefix)).length
  const c = verdictsOf("correct")
  lines.push(row(["correct", count(c, "agree"), count(c, "disagree"), count(c, "n/a"), ""], [22, 8, 10, 6, 0]))
  for (const metric of METRICS) {
    const v = verdictsOf(metric.key)
    let above = 0
    let below = 0
    for (const r of results) {
      const { reference, kvsim: k } = r.verdicts[metric.key]
      if (reference.median === null || k.median === null) continue
      if (k.median > reference.median) above++
      else if (k.median < reference.median) below++
    }
    const ties = results.length - above - below
    const sign = `${above} above, ${below} below, ${ties} equal/missing; p = ${signTest(above, below).toPrecision(2)}`
    lines.push(row([metric.label, count(v, "agree"), count(v, "disagree"), count(v, "n/a"), sign], [22, 8, 10, 6, 0]))
  }
  const equal = results.reduce((n, r) => n + r.verdicts.tiers.equal, 0)
  const cells = results.reduce((n, r) => n + r.verdicts.tiers.cells, 0)
  lines.push(row(["tiers (run-paired)", "", "", "", cells === 0 ? "no paired cells" : `${equal}/${cells} cells equal (${((100 * equal) / cells).toFixed(1)}%)`], [22, 8, 10, 6, 0]))
  return lines.join("\n")
}

// ---- the measurement -------------------------------------------------------------------------
const say = (text) => process.stdout.write(`${text}\n`)
const progress = (text) => process.stderr.write(`${text}\n`)
const started = new Date()
const header = [
  `# kvsim vs the reference (${started.toISOString()})`,
  `reference: ${path.resolve(options.reference)}`,
  `replica:   ${replica}`,
  `configs:   ${configs.map((c) => c.name).join(" ")}`,
  `runs:      ${runs} per config and harness, alternating (reference 1, kvsim 1, reference 2, …); kvsim seeds ${seed}…${seed + runs - 1}`,
  `machine:   ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
  `Definitions are the reference's: redirects = redirect + fail responses;`,
  `failures = fail responses + unanswered requests (the graded metric); tiers B bonus, F full, P partial, N none,`,
  `– no tiers (run failed correctness). Cells: median (min–max) over the runs.`,
  ...(runs < 3 ? [`N=${runs}: the reference's spread is barely known; count verdicts rest mostly on the Poisson allowance.`] : []),
  "",
  ...TOLERANCE
].join("\n")
say(header)

const results = []
let unmeasured = 0
const total = configs.length * runs * 2
let step = 0
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
  } catch {
    return null
  }
})()
const document = () => ({
  tool: "scripts/calibrate.mjs",
  commit,
  started: started.toISOString(),
  finished: new Date().toISOString(),
  reference: path.resolve(options.reference),
  replica,
  runs,
  seeds: Array.from({ length: runs }, (_, i) => seed + i),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null, node: process.version },
  tolerance: TOLERANCE.join("\n"),
  configs: results
})
const save = () => {
  if (options.out !== undefined) writeFileSync(options.out, `${JSON.stringify(document(), null, 2)}\n`)
}

for (const config of configs) {
  const refRuns = []
  const kvRuns = []
  for (let i = 0; i < runs; i++) {
    step++
    const t0 = Date.now()
    try {
      refRuns.push({ run: i, ...runReference({ reference: options.reference, replica, config: config.file }) })
      const r = refRuns.at(-1)
      progress(`[${step}/${total}] ${config.name} reference ${i + 1}/${runs}: ${r.correct ? "correct" : "INCORRECT"}, ${r.totalMsgs} msgs, median ${fmt(r.medianLatencyMs, "latency")} ms (${Math.round((Date.now() - t0) / 1000)} s)`)
    } catch (error) {
      unmeasured++
      refRuns.push({ run: i, harness: "reference", name: config.name, error: String(error.message ?? error) })
      progress(`[${step}/${total}] ${config.name} reference ${i + 1}/${runs}: ERROR ${error.message ?? error}`)
    }
    step++
    const t1 = Date.now()
    try {
      const doc = kvsim([config.file, "--seed", String(seed + i), "--replica", replica])
      const raw = doc.runs[0]
      if (raw === undefined) throw new Error("kvsim printed no run")
      kvRuns.push({ run: i, ...kvsimAsReference(raw), raw })
      const k = kvRuns.at(-1)
      progress(`[${step}/${total}] ${config.name} kvsim ${i + 1}/${runs}: ${k.correct ? "correct" : "INCORRECT"}, ${k.totalMsgs} msgs, median ${fmt(k.medianLatencyMs, "latency")} ms (${Math.round((Date.now() - t1) / 1000)} s)`)
    } catch (error) {
      unmeasured++
      const text = [error.message, error.stderr].filter(Boolean).join("\n")
      kvRuns.push({ run: i, harness: "kvsim", name: config.name, seed: seed + i, error: text })
      progress(`[${step}/${total}] ${config.name} kvsim ${i + 1}/${runs}: ERROR ${text}`)
    }
  }
  const verdicts = judge(refRuns, kvRuns)
  results.push({ name: config.name, config: config.file, verdicts, reference: refRuns, kvsim: kvRuns })
  say(`\n${configTable(config.name, verdicts)}`)
  save()
}
say(`\n${summary(results)}`)
if (unmeasured > 0) say(`\n${unmeasured} run(s) produced no numbers; see the errors above${options.out ? ` and in ${options.out}` : ""}.`)
save()
process.exitCode = unmeasured > 0 ? 1 : 0
