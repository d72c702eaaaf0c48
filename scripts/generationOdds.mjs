// `node scripts/generationOdds.mjs [--trials N] [configs…]`: how often the reference's "get
// generation" check fails a run by the luck of its own draws, whatever the replica does.
//
// The reference draws each request's client uniformly from its 8 clients, and a get with
// probability `mix`. A get drawn for a client that holds no key yet is counted as failed to
// generate and sent as a put instead. The run fails when those exceed
// maximum_get_generation_fail_fraction (under `tests`, default 0.1) of the gets drawn. Here
// every put is taken as answered at once, the best any replica can do, so what remains is the
// floor of the failure rate. Node's standard library only; a fixed-seed generator, so the
// figures repeat exactly.
import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { scriptArgs } from "./scriptArgs.mjs"

const USAGE = `usage: node scripts/generationOdds.mjs [--trials N] [configs…]
  --trials N   simulated runs per config (default 200000)
  --help       print this and exit
configs: names in configs/ or paths; default every config in configs/.`

const CLIENTS = 8
const parsed = scriptArgs(USAGE, { valued: ["--trials"], positional: true })
const trials = Number(parsed.values.trials ?? 200_000)
if (!Number.isSafeInteger(trials) || trials < 1) {
  process.stderr.write(`--trials "${parsed.values.trials}" is not a positive count\n\n${USAGE}\n`)
  process.exit(2)
}

/** mulberry32: small, fast, and the same sequence on every machine. */
const generator = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const failureRate = (requests, mix, limit) => {
  const random = generator(1)
  let failed = 0
  for (let trial = 0; trial < trials; trial++) {
    const holds = new Uint8Array(CLIENTS)
    let gets = 0
    let missing = 0
    for (let i = 0; i < requests; i++) {
      const client = Math.floor(random() * CLIENTS)
      if (random() < mix) {
        gets++
        if (holds[client] === 0) missing++
      }
      holds[client] = 1
    }
    if (missing > gets * limit) failed++
  }
  return failed / trials
}

const files = parsed.rest.length > 0 ? parsed.rest : readdirSync("configs").filter((name) => name.endsWith(".json")).sort().map((name) => path.join("configs", name))
process.stdout.write(`config         requests  mix   limit  runs failing the check by the draws alone (${trials} trials)\n`)
for (const arg of files) {
  const file = arg.endsWith(".json") ? arg : path.join("configs", `${arg}.json`)
  const config = JSON.parse(readFileSync(file, "utf8"))
  const mix = config.mix ?? 0.8
  const limit = config.tests?.maximum_get_generation_fail_fraction ?? 0.1
  const rate = failureRate(config.requests, mix, limit)
  process.stdout.write(
    `${path.basename(file, ".json").padEnd(14)} ${String(config.requests).padStart(8)}  ${mix.toFixed(1)}  ${limit.toFixed(2)}   ${(rate * 100).toFixed(3)}%\n`
  )
}
