// `npm run bench [-- --runs N]`: runs kvsim in real mode on the 17 standard configs N times
// (default 3) plus the latency floor, and writes the measured tables to BENCHMARKS.md.
// The floor is the same harness driving test/fixtures/scriptedReplica.mjs, which answers every
// request at once from one process: one harness round trip, no replication.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
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
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
const ms = (seconds) => (seconds * 1000).toFixed(3)

const started = new Date()
const suite = kvsim(["all", "--seed", String(seed), "--runs", String(runs)]).runs
const floorOf = (name) =>
  metric(kvsim([`configs/${name}.json`, "--seed", String(seed), "--replica", "test/fixtures/scriptedReplica.mjs"]).runs[0], "median_latency").value
const floors = { "simple-1": floorOf("simple-1"), "simple-2": floorOf("simple-2") }

const byConfig = new Map()
for (const run of suite) byConfig.set(run.name, [...(byConfig.get(run.name) ?? []), run])
const tierName = ["bonus", "full", "partial", "none"]
const rows = [...byConfig].map(([name, list]) => {
  const value = (m) => median(list.map((run) => metric(run, m).value))
  const worstTier = (m) => tierName[Math.max(...list.map((run) => metric(run, m).tier))]
  const p99 = median(list.map((run) => run.stats.latency.p99Ms))
  const floor = floors[name.startsWith("simple-1") ? "simple-1" : "simple-2"]
  const ratio = floor === undefined ? "not measured" : (value("median_latency") / floor).toFixed(2)
  return `| ${name} | ${list.filter((r) => r.correct).length}/${list.length} | ${value("total_msgs")} (${worstTier("total_msgs")}) | ${value("failures")} (${worstTier("failures")}) | ${value("duplicates")} (${worstTier("duplicates")}) | ${ms(value("median_latency"))} (${worstTier("median_latency")}) | ${p99.toFixed(3)} | ${ratio} |`
})

const text = `# Benchmarks

Measured by \`npm run bench -- --runs ${runs}\` (scripts/bench.mjs) on ${started.toISOString().slice(0, 10)}:
${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Real mode: kvsim starts five \`./3700kvstore\` processes per run over UDP on localhost; seeds ${seed}…${seed + runs - 1}.
Values are the median over the runs; the tier in brackets is the worst over the runs
(bonus < full < partial < none). Latencies in milliseconds.

## Latency floor

The same harness driving \`test/fixtures/scriptedReplica.mjs\`, a single process that answers
every request at once (no replication): one harness round trip, the floor for a get.

| config | instant responder median (ms) |
|---|---|
${Object.entries(floors).map(([name, v]) => `| ${name} | ${v === undefined ? "no samples" : ms(v)} |`).join("\n")}

A put needs at least two round trips (client ↔ leader, leader ↔ quorum). "× floor" below is our
median over the instant responder's median on simple-1 (mix 0.8: the median sample is a get)
or simple-2 (mix 0.2: the median sample is a put) for the other configs.

## Standard configs

| config | correct | total_msgs | failures | duplicates | median latency | p99 latency | × floor |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`
// The "Soak" section belongs to scripts/soak.mjs: kept as it is.
const soak = existsSync(BENCHMARKS) ? readSection(readFileSync(BENCHMARKS, "utf8"), "Soak") : undefined
writeFileSync(BENCHMARKS, soak === undefined ? text : withSection(text, "Soak", soak))
process.stdout.write(text)
