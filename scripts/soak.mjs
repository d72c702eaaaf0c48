// `npm run soak [-- --minutes N] [--rate R] [--seed S] [--keys-per-client K | --unbounded-keys] [--value-bytes B] [--print-config]`:
// five real ./3700kvstore processes under kvsim's real mode for N minutes (default 10) at R
// requests/s (default 250), with drops, partitions and kills, sampling every replica's resident
// memory from /proc every 5 s. Each of the 8 clients writes at most K keys (default 2,500:
// 20,000 in all, written within the first four minutes), with values of 32 to B bytes (default
// 4,096), so that the store holds data of a realistic size and then stops growing, and any
// growth left is the replica's own; --unbounded-keys keeps SIMULATOR.md's workload, whose clients
// add a key with every other put for the whole run and whose data therefore grows with it.
// Prints memory and requests per minute, every replica's memory after the warm-up (its change
// and slope), the run's totals and checks, writes them to the "Soak" section of BENCHMARKS.md,
// and exits 1 if the run failed a check or a replica's memory grew.
// Runs on the bundles in dist/ (npm run build). --print-config prints the run's kvsim config
// and exits, for replaying the same workload in virtual mode (`kvsim run <it> --virtual`).
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { writeSection } from "./benchmarksFile.mjs"
import { scriptArgs } from "./scriptArgs.mjs"
import { soakReport } from "./soakReport.mjs"

const DEFAULTS = { minutes: 10, rate: 250, seed: 1, "keys-per-client": 2_500, "value-bytes": 4_096 }
const args = scriptArgs(
  "usage: npm run soak [-- --minutes N] [--rate R] [--seed S] [--keys-per-client K | --unbounded-keys] [--value-bytes B] [--print-config]\n" +
    "  --minutes N          how long to run (default 10)\n" +
    "  --rate R             client requests per second (default 250)\n" +
    "  --seed S             kvsim's seed (default 1)\n" +
    "  --keys-per-client K  each of the 8 clients writes at most K keys (default 2500)\n" +
    "  --unbounded-keys     clients add keys for the whole run, as the reference's workload does\n" +
    "  --value-bytes B      values of 32 to B bytes (default 4096; kvsim takes up to 65374, a full put\n" +
    "                       datagram, ./3700kvstore up to 64380, the most one of its log entries holds)\n" +
    "  --print-config       print the run's kvsim config and exit",
  { valued: ["--minutes", "--rate", "--seed", "--keys-per-client", "--value-bytes"], switches: ["--unbounded-keys", "--print-config"] }
)
const option = (name) => {
  const text = args.values[name]
  if (text === undefined) return DEFAULTS[name]
  const value = Number(text)
  if (!(value > 0)) throw new Error(`--${name} needs a positive number, not "${text}"`)
  return value
}
const minutes = option("minutes")
const rate = option("rate")
const seed = option("seed")
const keysPerClient = args.switches.has("unbounded-keys") ? undefined : option("keys-per-client")
const valueBytes = option("value-bytes")

const REPLICAS = 5
const SAMPLE_EVERY_MS = 5_000
const START_WAIT = 5
const END_WAIT = 5
/**
 * Gets are a fifth of the requests: the clients' 20,000 keys take some 40,000 puts (while under
 * its cap, a client's put writes a new key half the time), which at the default rate of 200
 * puts a second fill the first 200 s or so, well inside the default run.
 */
const MIX = 0.2
/**
 * Chaos spread over the run, as fractions of it: two partitions while the data still grows and
 * all five run, then two kills (three stay: still a majority). In the default run the kills
 * leave every replica two minutes or more after the warm-up, or after its last change of role,
 * to be judged on.
 */
const EVENTS = [
  [0.1, "part_easy"],
  [0.15, "part_end"],
  [0.2, "part_hard"],
  [0.25, "part_end"],
  [0.65, "kill_leader"],
  [0.72, "kill_non_leader"]
]
const lifetime = Math.round(minutes * 60)
const config = {
  lifetime,
  replicas: REPLICAS,
  requests: Math.round(rate * lifetime),
  mix: MIX,
  drops: 0.07,
  start_wait: START_WAIT,
  end_wait: END_WAIT,
  // The default 20,000 would end the run within a minute, as a packet storm.
  max_packets: 1_000_000_000,
  ...(keysPerClient === undefined ? {} : { keys_per_client: keysPerClient }),
  max_value_bytes: valueBytes,
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

const keysOption = keysPerClient === undefined ? " --unbounded-keys" : keysPerClient === DEFAULTS["keys-per-client"] ? "" : ` --keys-per-client ${keysPerClient}`
const otherOptions = ["rate", "seed", "value-bytes"].filter((name) => option(name) !== DEFAULTS[name]).map((name) => ` --${name} ${option(name)}`)
const command = `npm run soak -- --minutes ${minutes}${otherOptions.join("")}${keysOption}`
const { section, passed } = soakReport({ command, started, config, run, samples, sampleEveryMs: SAMPLE_EVERY_MS })
process.stdout.write(`${section}\n`)
writeSection("Soak", section)
process.exitCode = passed ? 0 : 1
