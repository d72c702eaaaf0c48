// `npm run bench [-- --runs N]`: runs kvsim in real mode on the 17 standard configs N times
// (default 3), the latency floor model between them, and the per-datagram microbenchmark, and
// writes the measured tables to BENCHMARKS.md.
// The floor model is the same harness driving scripts/floorReplica.mjs, the least work any
// replicated store must do: a get answered at once, a put after one parallel round trip to
// two followers (request, replicate, reply), nothing else.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import { BENCHMARKS, readSection, withSection } from "./benchmarksFile.mjs"

const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf("--runs") + 1] ?? 3) || 3
const seed = 1000

// kvsim exits 1 when a run fails correctness; the JSON on stdout still holds every run.
const kvsim = (args) => {
  try {
    return JSON.parse(execFileSync("node", ["dist/kvsim.mjs", "run", ...args, "--json"], { encoding: "utf8", maxBuffer: 1 << 28 }))
  } catch (error) {
    if (typeof error.stdout === "string" && error.stdout.startsWith("{")) return JSON.parse(error.stdout)
    throw error
  }
}

const metric = (run, name) => run.performance.find((m) => m.name === name)
const median = (values) => {
  const known = values.filter((v) => v !== undefined && v !== null)
  return known.length === 0 ? undefined : [...known].sort((a, b) => a - b)[Math.floor((known.length - 1) / 2)]
}
const fixed = (value) => (value === undefined ? "–" : value.toFixed(3))
const whole = (value) => (value === undefined ? "–" : Math.round(value).toLocaleString("en-US"))
const seeds = ["--seed", String(seed), "--runs", String(runs)]

// The standard configs in the order kvsim's `all` runs them (src/programs/kvsim/suite.ts).
const CATEGORIES = ["simple", "unreliable", "crash", "partition", "advanced"]
const standard = readdirSync("configs")
  .map((file) => /^([a-z]+)-(\d+)\.json$/.exec(file))
  .filter((match) => match !== null && CATEGORIES.includes(match[1]))
  .sort((a, b) => CATEGORIES.indexOf(a[1]) - CATEGORIES.indexOf(b[1]) || Number(a[2]) - Number(b[2]))
  .map((match) => `${match[1]}-${match[2]}`)

// The median request of a mix-0.8 config is a get, of a mix-0.2 config a put: each config is
// compared with the floor model of the standard config with its mix.
const floorOf = (name) => (name === "simple-1" ? "simple-1" : "simple-2")

// This machine's speed drifts over a bench's 45 minutes by more than the gaps measured here
// (README, "Latency"), so the floor model runs between the configs rather than after them:
// simple-1's and simple-2's runs right after those configs' own, and one run of simple-2's
// after each other config's, its seed taking turns. Each config's floor is then the median
// over runs spread through the bench like its own.
const started = new Date()
const suite = []
const floorRuns = { "simple-1": [], "simple-2": [] }
standard.forEach((name, i) => {
  suite.push(...kvsim([`configs/${name}.json`, ...seeds]).runs)
  const floor = floorOf(name)
  const floorSeeds = floor === name ? seeds : ["--seed", String(seed + (i % runs))]
  floorRuns[floor].push(...kvsim([`configs/${floor}.json`, ...floorSeeds, "--replica", "scripts/floorReplica.mjs"]).runs)
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

const byConfig = new Map()
for (const run of suite) byConfig.set(run.name, [...(byConfig.get(run.name) ?? []), run])
const tierName = ["bonus", "full", "partial", "none"]
const rows = [...byConfig].map(([name, list]) => {
  const value = (m) => median(list.map((run) => metric(run, m).value))
  const worstTier = (m) => tierName[Math.max(...list.map((run) => metric(run, m).tier))]
  const ours = latencies(list)
  const floor = floors[floorOf(name)].all
  const ratio = ours.all === undefined || floor === undefined ? "–" : (ours.all / floor).toFixed(2)
  return (
    `| ${name} | ${list.filter((r) => r.correct).length}/${list.length} | ${value("total_msgs")} (${worstTier("total_msgs")}) | ` +
    `${value("failures")} (${worstTier("failures")}) | ${value("duplicates")} (${worstTier("duplicates")}) | ` +
    `${fixed(ours.all)} (${worstTier("median_latency")}) | ${fixed(ours.get)} | ${fixed(ours.put)} | ${fixed(ours.p99)} | ${ratio} | ${whole(ours.cpu)} |`
  )
})
// Failover: per disruption (matched by position across runs), the time to the first ok after it.
const failoverRows = [...byConfig].flatMap(([name, list]) =>
  (list[0]?.stats.recoveries ?? []).map((recovery, i) => {
    const times = list.map((run) => run.stats.recoveries[i]?.servedAfterMs ?? undefined)
    const served = times.filter((t) => t !== undefined)
    const worst = served.length === times.length ? fixed(Math.max(...served)) : "not served"
    return `| ${name} | ${recovery.event} at ${(recovery.atMs / 1000).toFixed(1)} s | ${fixed(median(times))} | ${worst} | ${served.length}/${times.length} |`
  })
)
const floorRows = Object.entries(floors).map(
  ([name, f]) => `| ${name} | ${floorRuns[name].filter((r) => r.correct).length}/${floorRuns[name].length} | ${fixed(f.all)} | ${fixed(f.get)} | ${fixed(f.put)} | ${fixed(f.p99)} | ${whole(f.cpu)} |`
)

const text = `# Benchmarks

Measured by \`npm run bench -- --runs ${runs}\` (scripts/bench.mjs) on ${started.toISOString().slice(0, 10)}:
${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Real mode: kvsim starts five \`./3700kvstore\` processes per run over UDP on localhost; seeds ${seed}…${seed + runs - 1}.
Values are the median over the runs; the tier in brackets is the worst over the runs
(bonus < full < partial < none). Latencies in milliseconds.

## Standard configs

| config | correct | total_msgs | failures | duplicates | median latency | get median | put median | p99 | × floor | CPU µs / request |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

"× floor" is our median over the floor model's median (below) for the same mix: simple-1's for
simple-1 (mix 0.8: the median request is a get), simple-2's for every other config (mix 0.2:
the median request is a put). The floor model has no drops, kills or partitions to pay for.
"CPU µs / request" is the five replica processes' user + system time from the first request to
the end of the run (read from /proc), over the requests sent: the replicas' own work, idle
heartbeats included. Cold caches cost CPU time too, so it varies from run to run with the
machine, as latency does.

## Failover

From each leader kill or hard partition to the first \`ok\` a client got from a replica the
harness listens to (alive, on the majority side): the election, the new leader's no-op, and the
clients finding it. Same runs as above; milliseconds.

| config | disruption | median | worst | served |
|---|---|---|---|---|
${failoverRows.join("\n")}

## Latency floor model

The same harness and seeds driving \`scripts/floorReplica.mjs\`: 0000 leads forever, answers a
get at once (one harness round trip) and a put after one parallel round trip to two followers
(request, replicate, reply). No Raft, no retransmission, no heartbeats. Its runs are spread
through the bench: simple-1's and simple-2's right after those configs' own, and one more of
simple-2's after each other config's.

| config | correct | median | get median | put median | p99 | CPU µs / request |
|---|---|---|---|---|---|---|
${floorRows.join("\n")}

## Replica cost per datagram

\`npm run microbench\` (src/programs/microbench/main.ts): decode + step + encode of every output,
warm, in a tight loop on one core — the replica's own work with the network taken away.

${microbench.trimEnd()}
`
// The "Soak" section belongs to scripts/soak.mjs: kept as it is.
const soak = existsSync(BENCHMARKS) ? readSection(readFileSync(BENCHMARKS, "utf8"), "Soak") : undefined
writeFileSync(BENCHMARKS, soak === undefined ? text : withSection(text, "Soak", soak))
process.stdout.write(text)
