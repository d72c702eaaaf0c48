// `npm run bench [-- --runs N] [--reference PATH]`: runs kvsim in real mode on the 17 standard
// configs N times (default 3), the latency floor model between them, and the per-datagram
// microbenchmark, and writes the measured tables to BENCHMARKS.md.
// The floor model is the same harness driving scripts/floorReplica.mjs, the least work any
// replicated store must do: a get answered at once, a put after one parallel round trip to
// two followers (request, replicate, reply), nothing else.
// With --reference PATH (the course's own simulator, `run`, whose path is given here and never
// copied into the project), each config and each floor-model run is also measured by the
// reference, its runs interleaved with kvsim's, and the tables gain the reference's columns.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import { scriptArgs } from "./scriptArgs.mjs"
import { BENCHMARKS, readSection, withSection } from "./benchmarksFile.mjs"
import { kvsim, standardConfigs } from "./kvsimRun.mjs"
import { kvsimAsReference, runReference } from "./referenceRun.mjs"

const USAGE = `usage: npm run bench -- [--runs N] [--reference PATH]
  --runs N          runs per config (default 3)
  --reference PATH  also measure every config and the floor model with the reference simulator
                    (the course's \`run\`, Python 3), interleaved with kvsim's runs
  --help            print this and exit`
const { values } = scriptArgs(USAGE, { valued: ["--runs", "--reference"] })
const reference = values.reference
if (values.runs !== undefined && (!/^\d+$/.test(values.runs) || Number(values.runs) < 1)) {
  process.stderr.write(`bench: --runs "${values.runs}" is not a positive count\n\n${USAGE}\n`)
  process.exit(2)
}
const runs = values.runs === undefined ? 3 : Number(values.runs)
if (reference !== undefined && !existsSync(reference)) {
  process.stderr.write(`bench: no reference at ${reference}\n`)
  process.exit(2)
}
const withRef = reference !== undefined
const seed = 1000

const metric = (run, name) => run.performance.find((m) => m.name === name)
const median = (values) => {
  const known = values.filter((v) => v !== undefined && v !== null)
  return known.length === 0 ? undefined : [...known].sort((a, b) => a - b)[Math.floor((known.length - 1) / 2)]
}
const fixed = (value) => (value === undefined ? "–" : value.toFixed(3))
const whole = (value) => (value === undefined ? "–" : Math.round(value).toLocaleString("en-US"))
const seeds = ["--seed", String(seed), "--runs", String(runs)]
/** A column header; with --reference, every one says which harness measured it. */
const h = (label, harness = "kvsim") => (withRef ? `${label} (${harness === "kvsim" ? "kvsim" : "ref"})` : label)

const standard = standardConfigs()

// The median request of a mix-0.8 config is a get, of a mix-0.2 config a put: each config is
// compared with the floor model of the standard config with its mix.
const floorOf = (name) => (name === "simple-1" ? "simple-1" : "simple-2")

// This machine's speed drifts over a bench's 45 minutes by more than the gaps measured here
// (docs/performance/latency.md), so the floor model runs between the configs rather than after them:
// simple-1's and simple-2's runs right after those configs' own, and one run of simple-2's
// after each other config's, its seed taking turns. Each config's floor is then the median
// over runs spread through the bench like its own. With --reference, each kvsim run is followed
// by one of the reference on the same config and replica, so the drift hits both alike.
const started = new Date()
const suite = []
const floorRuns = { "simple-1": [], "simple-2": [] }
/** The reference's runs (scripts/referenceRun.mjs's numbers), by config, and of the floor model. */
const refRuns = new Map()
const refFloorRuns = { "simple-1": [], "simple-2": [] }
let refUnmeasured = 0
const measureRef = (name, replica, into) => {
  try {
    into.push(runReference({ reference, replica, config: `configs/${name}.json` }))
  } catch (error) {
    refUnmeasured++
    process.stderr.write(`bench: ${error.message}\n`)
  }
}
standard.forEach((name, i) => {
  const floor = floorOf(name)
  const floorSeeds = floor === name ? seeds : ["--seed", String(seed + (i % runs))]
  if (!withRef) {
    suite.push(...kvsim([`configs/${name}.json`, ...seeds]).runs)
    floorRuns[floor].push(...kvsim([`configs/${floor}.json`, ...floorSeeds, "--replica", "scripts/floorReplica.mjs"]).runs)
    return
  }
  refRuns.set(name, [])
  for (let r = 0; r < runs; r++) {
    suite.push(...kvsim([`configs/${name}.json`, "--seed", String(seed + r)]).runs)
    measureRef(name, "./3700kvstore", refRuns.get(name))
  }
  for (const floorSeed of floor === name ? Array.from({ length: runs }, (_, r) => seed + r) : [seed + (i % runs)]) {
    floorRuns[floor].push(...kvsim([`configs/${floor}.json`, "--seed", String(floorSeed), "--replica", "scripts/floorReplica.mjs"]).runs)
    measureRef(floor, "scripts/floorReplica.mjs", refFloorRuns[floor])
  }
})
const microbench = execFileSync("node", ["dist/microbench.mjs"], { encoding: "utf8" })

/** Medians over runs, in milliseconds: all requests, gets, puts, and p99. */
const latencies = (list) => ({
  all: median(list.map((run) => run.stats.latency?.medianMs)),
  get: median(list.map((run) => run.stats.latencyByKind.get?.medianMs)),
  put: median(list.map((run) => run.stats.latencyByKind.put?.medianMs)),
  p99: median(list.map((run) => run.stats.latency?.p99Ms)),
  cpu: median(list.map((run) => run.replicaCpu?.perRequestUs))
})
const floors = Object.fromEntries(Object.entries(floorRuns).map(([name, list]) => [name, latencies(list)]))
const refFloors = Object.fromEntries(Object.entries(refFloorRuns).map(([name, list]) => [name, median(list.map((r) => r.medianLatencyMs))]))
const ratioOf = (ours, floor) => (ours === undefined || floor === undefined ? "–" : (ours / floor).toFixed(2))

const byConfig = new Map()
for (const run of suite) byConfig.set(run.name, [...(byConfig.get(run.name) ?? []), run])
const tierName = ["bonus", "full", "partial", "none"]
/** The reference's cells for one config: median (worst tier over the runs that passed correctness). */
const refCells = (name) => {
  const list = refRuns.get(name) ?? []
  const graded = list.filter((r) => r.tiers !== null)
  const worst = (m) => (graded.length === 0 ? "–" : tierName[Math.max(...graded.map((r) => r.tiers[m]))])
  const value = (key) => median(list.map((r) => r[key]))
  const lat = value("medianLatencyMs")
  return {
    correct: `${list.filter((r) => r.correct).length}/${list.length}`,
    msgs: `${value("totalMsgs") ?? "–"} (${worst("total_msgs")})`,
    failures: `${value("failures") ?? "–"} (${worst("failures")})`,
    duplicates: `${value("duplicates") ?? "–"} (${worst("duplicates")})`,
    redirects: `${value("redirects") ?? "–"}`,
    latency: `${fixed(lat)} (${worst("median_latency")})`,
    ratio: ratioOf(lat, refFloors[floorOf(name)])
  }
}
const rows = [...byConfig].map(([name, list]) => {
  const value = (m) => median(list.map((run) => metric(run, m).value))
  const worstTier = (m) => {
    const graded = list.map((run) => metric(run, m).tier).filter((tier) => typeof tier === "number")
    return graded.length === 0 ? "not scored" : tierName[Math.max(...graded)]
  }
  const ours = latencies(list)
  const ratio = ratioOf(ours.all, floors[floorOf(name)].all)
  if (!withRef) {
    return (
      `| ${name} | ${list.filter((r) => r.correct).length}/${list.length} | ${value("total_msgs")} (${worstTier("total_msgs")}) | ` +
      `${value("failures")} (${worstTier("failures")}) | ${value("duplicates")} (${worstTier("duplicates")}) | ` +
      `${fixed(ours.all)} (${worstTier("median_latency")}) | ${fixed(ours.get)} | ${fixed(ours.put)} | ${fixed(ours.p99)} | ${ratio} | ${whole(ours.cpu)} |`
    )
  }
  const ref = refCells(name)
  const redirects = median(list.map((run) => kvsimAsReference(run).redirects))
  return (
    `| ${name} | ${list.filter((r) => r.correct).length}/${list.length} | ${ref.correct} | ` +
    `${value("total_msgs")} (${worstTier("total_msgs")}) | ${ref.msgs} | ${value("failures")} (${worstTier("failures")}) | ${ref.failures} | ` +
    `${value("duplicates")} (${worstTier("duplicates")}) | ${ref.duplicates} | ${redirects} | ${ref.redirects} | ` +
    `${fixed(ours.all)} (${worstTier("median_latency")}) | ${ref.latency} | ${fixed(ours.get)} | ${fixed(ours.put)} | ${fixed(ours.p99)} | ` +
    `${ratio} | ${ref.ratio} | ${whole(ours.cpu)} |`
  )
})
const standardHeader = withRef
  ? [
      "config",
      h("correct"),
      h("correct", "ref"),
      h("total_msgs"),
      h("total_msgs", "ref"),
      h("failures"),
      h("failures", "ref"),
      h("duplicates"),
      h("duplicates", "ref"),
      h("redirects"),
      h("redirects", "ref"),
      h("median latency"),
      h("median latency", "ref"),
      h("get median"),
      h("put median"),
      h("p99"),
      h("× floor"),
      h("× floor", "ref"),
      h("CPU µs / request")
    ]
  : ["config", "correct", "total_msgs", "failures", "duplicates", "median latency", "get median", "put median", "p99", "× floor", "CPU µs / request"]
const tableHead = (columns) => `| ${columns.join(" | ")} |\n|${columns.map(() => "---").join("|")}|`
// Failover: per disruption (matched by position across runs), the time to the first ok after it.
const failoverRows = [...byConfig].flatMap(([name, list]) =>
  (list[0]?.stats.recoveries ?? []).map((recovery, i) => {
    const times = list.map((run) => run.stats.recoveries[i]?.servedAfterMs ?? undefined)
    const served = times.filter((t) => t !== undefined)
    const worst = served.length === times.length ? fixed(Math.max(...served)) : "not served"
    return `| ${name} | ${recovery.event} at ${(recovery.atMs / 1000).toFixed(1)} s | ${fixed(median(times))} | ${worst} | ${served.length}/${times.length} |`
  })
)
const floorRows = Object.entries(floors).map(([name, f]) => {
  const correct = `${floorRuns[name].filter((r) => r.correct).length}/${floorRuns[name].length}`
  if (!withRef) return `| ${name} | ${correct} | ${fixed(f.all)} | ${fixed(f.get)} | ${fixed(f.put)} | ${fixed(f.p99)} | ${whole(f.cpu)} |`
  const ref = refFloorRuns[name]
  return (
    `| ${name} | ${correct} | ${ref.filter((r) => r.correct).length}/${ref.length} | ${fixed(f.all)} | ${fixed(refFloors[name])} | ` +
    `${fixed(f.get)} | ${fixed(f.put)} | ${fixed(f.p99)} | ${whole(f.cpu)} |`
  )
})
const floorHeader = withRef
  ? ["config", h("correct"), h("correct", "ref"), h("median"), h("median", "ref"), h("get median"), h("put median"), h("p99"), h("CPU µs / request")]
  : ["config", "correct", "median", "get median", "put median", "p99", "CPU µs / request"]
const failoverHeader = ["config", "disruption", h("median"), h("worst"), h("served")]

const referenceIntro = withRef
  ? `
With \`--reference ${reference}\`: after each kvsim run, the course's own simulator ("ref" columns)
ran the same config and replica once (\`python3 run --replica <replica> -s <config>\`, its own
unseeded workload), and the floor model likewise. The reference prints no tiers for a run that
fails correctness; its bracketed tier is the worst over the runs that passed (– when none did).
Redirects are counted as the reference counts them, redirect and fail responses together, in both
columns.${refUnmeasured > 0 ? ` ${refUnmeasured} reference run(s) produced no numbers (errors on stderr).` : ""}
`
  : ""
const refRatioNote = withRef
  ? `
"× floor (ref)" is the same ratio with both medians measured by the reference: our replica's
under the reference over the floor model's under the reference.`
  : ""

const text = `# Benchmarks

Measured by \`npm run bench -- --runs ${runs}${withRef ? " --reference <run>" : ""}\` (scripts/bench.mjs) on ${started.toISOString().slice(0, 10)}:
${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Real mode: kvsim starts five \`./3700kvstore\` processes per run over UDP on localhost; seeds ${seed}…${seed + runs - 1}.
Values are the median over the runs; the tier in brackets is the worst over the runs
(bonus < full < partial < none). Latencies in milliseconds.
${referenceIntro}
## Standard configs

${tableHead(standardHeader)}
${rows.join("\n")}

"× floor" is our median over the floor model's median (below) for the same mix: simple-1's for
simple-1 (mix 0.8: the median request is a get), simple-2's for every other config (mix 0.2:
the median request is a put). The floor model has no drops, kills or partitions to pay for.
"CPU µs / request" is the five replica processes' user + system time from the first request to
the end of the run (read from /proc), over the requests sent: the replicas' own work, idle
heartbeats included. Cold caches cost CPU time too, so it varies from run to run with the
machine, as latency does.${refRatioNote}

## Failover

From each leader kill or hard partition to the first \`ok\` a client got from a replica the
harness listens to (alive, on the majority side): the election, the new leader's no-op, and the
clients finding it. Same runs as above; milliseconds.

${tableHead(failoverHeader)}
${failoverRows.join("\n")}

## Latency floor model

The same harness and seeds driving \`scripts/floorReplica.mjs\`: 0000 leads forever, answers a
get at once (one harness round trip) and a put after one parallel round trip to two followers
(request, replicate, reply). No Raft, no retransmission, no heartbeats. Its runs are spread
through the bench: simple-1's and simple-2's right after those configs' own, and one more of
simple-2's after each other config's.

${tableHead(floorHeader)}
${floorRows.join("\n")}

## Replica cost per datagram

\`npm run microbench\` (src/programs/microbench/microbenchMain.ts): decode + step + encode of every output,
warm, in a tight loop on one core — the replica's own work with the network taken away.

${microbench.trimEnd()}
`
// Sections bench does not write belong to other scripts (soak.mjs's "Soak",
// calibrationTable.mjs's "Reference and kvsim: …"): kept as they are.
const ownSections = new Set([...text.matchAll(/^## (.+)$/gm)].map((match) => match[1]))
const previous = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, "utf8") : ""
const kept = [...previous.matchAll(/^## (.+)$/gm)].map((match) => match[1]).filter((title) => !ownSections.has(title))
writeFileSync(BENCHMARKS, kept.reduce((out, title) => withSection(out, title, readSection(previous, title)), text))
process.stdout.write(text)
