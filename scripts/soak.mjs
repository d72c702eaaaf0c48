// `npm run soak [-- --minutes N] [--rate R] [--seed S] [--keys-per-client K | --unbounded-keys] [--print-config]`:
// five real ./3700kvstore processes under kvsim's real mode for N minutes (default 10) at R
// requests/s (default 100), with drops, partitions and kills, sampling every replica's resident
// memory from /proc every 10 s. Each client writes at most K keys (default 250: 2,000 in all,
// reached within the first two minutes), so that the store's data stops growing and any growth
// left is the replica's own; --unbounded-keys keeps SIMULATOR.md's workload, whose clients add
// a key with every other put for the whole run and whose data therefore grows with it. Prints
// memory and requests per minute and the run's totals and checks, writes them to the "Soak"
// section of BENCHMARKS.md, and exits 1 if the run failed a check or a replica's memory grew.
// Runs on the bundles in dist/ (npm run build). --print-config prints the run's kvsim config
// and exits, for replaying the same workload in virtual mode (`kvsim run <it> --virtual`).
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { writeSection } from "./benchmarksFile.mjs"
import { scriptArgs } from "./scriptArgs.mjs"
import { soakReport } from "./soakReport.mjs"

const args = scriptArgs(
  "usage: npm run soak [-- --minutes N] [--rate R] [--seed S] [--keys-per-client K | --unbounded-keys] [--print-config]\n" +
    "  --minutes N          how long to run (default 10)\n" +
    "  --rate R             client requests per second (default 100)\n" +
    "  --seed S             kvsim's seed (default 1)\n" +
    "  --keys-per-client K  each client writes at most K keys (default 250)\n" +
    "  --unbounded-keys     clients add keys for the whole run, as the reference's workload does\n" +
    "  --print-config       print the run's kvsim config and exit",
  { valued: ["--minutes", "--rate", "--seed", "--keys-per-client"], switches: ["--unbounded-keys", "--print-config"] }
)
const option = (name, fallback) => {
  const text = args.values[name]
  if (text === undefined) return fallback
  const value = Number(text)
  if (!(value > 0)) throw new Error(`--${name} needs a positive number, not "${text}"`)
  return value
}
const minutes = option("minutes", 10)
const rate = option("rate", 100)
const seed = option("seed", 1)
const keysPerClient = args.switches.has("unbounded-keys") ? undefined : option("keys-per-client", 250)

const REPLICAS = 5
const SAMPLE_EVERY_MS = 10_000
const START_WAIT = 5
const END_WAIT = 5
/** Chaos spread over the run, as fractions of it: two partitions while all five run, then two kills (three stay: still a majority). */
const EVENTS = [
  [0.2, "part_easy"],
  [0.25, "part_end"],
  [0.45, "part_hard"],
  [0.5, "part_end"],
  [0.65, "kill_non_leader"],
  [0.8, "kill_leader"]
]
const lifetime = Math.round(minutes * 60)
const config = {
  lifetime,
  replicas: REPLICAS,
  requests: Math.round(rate * lifetime),
  mix: 0.5,
  drops: 0.07,
  start_wait: START_WAIT,
  end_wait: END_WAIT,
  // The default 20,000 would end the run within a minute, as a packet storm.
  max_packets: 1_000_000_000,
  ...(keysPerClient === undefined ? {} : { keys_per_client: keysPerClient }),
  events: EVENTS.map(([at, type]) => ({ type, time: Math.round(at * lifetime * 10) / 10 })),
  // The soak judges correctness and drift, not the standard configs' tiers.
  tests: { benchmarks: { total_msgs: [0, 0, 0], failures: [0, 0, 0], duplicates: [0, 0, 0], median_latency: [0, 0, 0] } }
}

if (args.switches.has("print-config")) {
  process.stdout.write(`${JSON.stringify(config, null, 2)}\n`)
  process.exit(0)
}

// ---------------------------------------------------------------------------------------------
// The replicas' memory, from /proc.

const readOrEmpty = (file) => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return "" // the process exited while we looked
  }
}

/** The replica processes kvsim started (its children), by replica id; argv ends in `<port> <id> <the other ids>`. */
const replicasOf = (kvsimPid) =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      const stat = readOrEmpty(`/proc/${pid}/stat`)
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== kvsimPid) return []
      const args = readOrEmpty(`/proc/${pid}/cmdline`).split("\0").filter((arg) => arg !== "")
      return args.some((arg) => arg.endsWith("3700kvstore.mjs")) ? [{ pid: Number(pid), id: args[args.length - REPLICAS] }] : []
    })

const rssKb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readOrEmpty(`/proc/${pid}/status`))?.[1] ?? Number.NaN)

// ---------------------------------------------------------------------------------------------
// The run.

const dir = mkdtempSync(path.join(os.tmpdir(), "kvsim-soak-"))
const configFile = path.join(dir, `soak-${minutes}min.json`)
writeFileSync(configFile, JSON.stringify(config, null, 2))
const started = new Date()
const kvsim = spawn(process.execPath, ["dist/kvsim.mjs", "run", configFile, "--seed", String(seed), "--json"], { stdio: ["ignore", "pipe", "inherit"] })
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => kvsim.kill(signal))

const samples = []
const sample = () => {
  const replicas = Object.fromEntries(replicasOf(kvsim.pid).map(({ pid, id }) => [id, rssKb(pid)]))
  samples.push({ atS: (Date.now() - started.getTime()) / 1000, kvsim: rssKb(kvsim.pid), replicas })
}
const sampler = setInterval(sample, SAMPLE_EVERY_MS)
let stdout = ""
kvsim.stdout.on("data", (chunk) => (stdout += chunk))
const exitCode = await new Promise((resolve) => kvsim.once("exit", (code, signal) => resolve(code ?? signal)))
clearInterval(sampler)
rmSync(dir, { recursive: true, force: true })
if (!stdout.startsWith("{")) {
  process.stderr.write(`soak: kvsim ended (${exitCode}) without a result\n`)
  process.exit(1)
}
const run = JSON.parse(stdout).runs[0]

const keysOption = keysPerClient === undefined ? " --unbounded-keys" : keysPerClient === 250 ? "" : ` --keys-per-client ${keysPerClient}`
const command = `npm run soak -- --minutes ${minutes}${rate === 100 ? "" : ` --rate ${rate}`}${seed === 1 ? "" : ` --seed ${seed}`}${keysOption}`
const { section, passed } = soakReport({ command, started, config, run, samples, sampleEveryMs: SAMPLE_EVERY_MS })
process.stdout.write(`${section}\n`)
writeSection("Soak", section)
process.exitCode = passed ? 0 : 1
