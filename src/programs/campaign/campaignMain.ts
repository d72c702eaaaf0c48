import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { Either } from "effect"
import { type Config, loadConfig } from "../../domain/harness/config.ts"
import { EXIT_CODES } from "../../domain/harness/status.ts"
import { standardSuite } from "../../harness/suite.ts"
import { argsOrExit } from "../commandLine/reply.ts"
import { parseArgs } from "./campaignArgs.ts"
import { generateSchedule, runSchedule, shrink, type Outcome, type Schedule } from "../../harness/faultCampaign.ts"

/**
 * `npm run campaign -- --seeds A..B`: the deterministic fault campaign. Each seed picks a
 * standard config in turn and lays a generated schedule of faults over it (drops up to 50%,
 * duplicated and reordered datagrams, flapping partitions, one-way cuts, kills), runs it in kvsim's virtual
 * mode with the Raft invariants checked after every replica step and linearizability checked
 * at the end. Time faults come on top: drifting clocks, paused processes, datagrams later than an
 * election timeout. Harness checks such as "unanswered ≤ 50%" may fail under faults this heavy;
 * those are counted apart by cause, as they say nothing about safety, except a liveness failure
 * (liveness.ts: requests unanswered while a live, connected majority had time to serve them),
 * printed with its replay command but not failing the campaign: it is a bug, but not a safety
 * one. A safety failure, or a replica that threw or spun, is shrunk and printed with the command
 * that replays it; the exit code is 1 if there was any. A run whose history the
 * linearizability checker could not decide is inconclusive, printed and counted apart, never
 * as safe: the exit code is then 3, as kvsim's is (status.ts), unless something failed.
 */
const { seeds, configsDir: dir } = await argsOrExit("campaign", parseArgs(process.argv.slice(2)))
const { from, to } = seeds

const fail = (text: string): never => {
  process.stderr.write(`campaign: ${text}\n`)
  process.exit(2)
}

const listing = (): ReadonlyArray<string> => {
  try {
    return readdirSync(dir)
  } catch (error) {
    return fail(`cannot list configs in ${dir}: ${error instanceof Error ? error.message : String(error)}`)
  }
}
const suite = standardSuite(listing())
if (suite.length === 0) fail(`no standard configs (simple-1.json, ...) in ${dir}`)

const configs = new Map<string, Config>()
for (const file of suite) {
  const loaded = loadConfig(readFileSync(path.join(dir, file), "utf8"))
  if (Either.isLeft(loaded)) fail(`${file}: ${loaded.left.reason}`)
  else configs.set(path.basename(file, ".json"), loaded.right)
}
const names = [...configs.keys()]
const configOf = (name: string): Config => configs.get(name) as Config

const describe = (outcome: Extract<Outcome, { readonly _tag: "InvariantBroken" | "NotLinearizable" | "ReplicaFailed" }>): string =>
  outcome._tag === "InvariantBroken"
    ? `${outcome.violation.invariant} at ${outcome.atMs.toFixed(1)} ms: ${outcome.violation.detail}`
    : outcome._tag === "NotLinearizable"
    ? `not linearizable: ${outcome.explanation}`
    : `replica failed: ${outcome.reason}`
const replay = (seed: number): string => `  replay: npm run campaign -- --seeds ${seed}..${seed}\n`

const started = performance.now()
let safetyFailures = 0
let inconclusive = 0
let replicaFailures = 0
let livenessFailures = 0
const harnessOnly = new Map<string, number>()
for (let seed = from; seed <= to; seed++) {
  const schedule: Schedule = generateSchedule(seed, names, configOf)
  const outcome = runSchedule(schedule, configOf(schedule.config))
  if (outcome._tag === "Safe") {
    const availability = outcome.availability
    if (availability?._tag === "Explained") harnessOnly.set(availability.cause, (harnessOnly.get(availability.cause) ?? 0) + 1)
    else if (availability?._tag === "LivenessFailure") {
      livenessFailures++
      const [first] = availability.unanswered
      process.stdout.write(
        `LIVENESS seed ${seed} (${schedule.config}): ${availability.unanswered.length} requests unanswered ` +
          `though ${availability.members.join(", ")} were live and connected from ${(availability.sinceMs / 1000).toFixed(1)} s to the end` +
          (first === undefined ? "" : ` (first: ${first.kind} ${first.mid} to ${first.sentTo} at ${(first.sentAtMs / 1000).toFixed(1)} s into the requests)`) +
          `; harness checks failed: ${outcome.harnessChecksFailed.join(", ")}\n${replay(seed)}`
      )
    }
    continue
  }
  if (outcome._tag === "Inconclusive") {
    inconclusive++
    process.stdout.write(`INCONCLUSIVE seed ${seed} (${schedule.config}): ${outcome.reason}\n${replay(seed)}`)
    continue
  }
  if (outcome._tag === "ReplicaFailed") replicaFailures++
  else safetyFailures++
  const smallest = shrink(schedule, configOf(schedule.config), outcome)
  process.stdout.write(
    `${outcome._tag === "ReplicaFailed" ? "REPLICA FAILED" : "UNSAFE"} seed ${seed} (${schedule.config}): ${describe(outcome)}\n` +
      `  shrunk schedule: ${JSON.stringify(smallest)}\n${replay(seed)}`
  )
}
const seconds = (performance.now() - started) / 1000
const runs = to - from + 1
process.stdout.write(
  `${runs} runs (seeds ${from}..${to}) in ${seconds.toFixed(1)} s (${((seconds * 1000) / runs).toFixed(0)} ms a run): ` +
    `${safetyFailures} invariant or linearizability violations; ${replicaFailures} replicas threw or spun; ` +
    `${inconclusive} inconclusive (linearizability undecided); ${livenessFailures} liveness failures; ` +
    `${[...harnessOnly.values()].reduce((a, b) => a + b, 0)} runs failed only harness checks under faults that explain it` +
    ([...harnessOnly].length === 0 ? "" : ` (${[...harnessOnly].sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${cause}: ${n}`).join("; ")})`) +
    "\n"
)
process.exit(safetyFailures + replicaFailures > 0 ? EXIT_CODES.fail : inconclusive > 0 ? EXIT_CODES.inconclusive : EXIT_CODES.pass)
