import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { Either } from "effect"
import { type Config, loadConfig } from "../../domain/harness/config.ts"
import { standardSuite } from "../../harness/suite.ts"
import { argsOrExit } from "../commandLine/reply.ts"
import { parseArgs } from "./campaignArgs.ts"
import { generateSchedule, runSchedule, shrink, type Outcome, type Schedule } from "../../harness/faultCampaign.ts"

/**
 * `npm run campaign -- --seeds A..B`: the deterministic fault campaign. Each seed picks a
 * standard config in turn and lays a generated schedule of faults over it (drops up to 50%,
 * duplicated and reordered datagrams, flapping partitions, one-way cuts, kills), runs it in kvsim's virtual
 * mode with the Raft invariants checked after every replica step and linearizability checked
 * at the end. Harness checks such as "unanswered ≤ 50%" may fail under faults this heavy; those
 * are counted apart, as they say nothing about safety. A safety failure is shrunk and printed
 * with the command that replays it; the exit code is 1 if there was any.
 */
const { seeds, configsDir: dir } = await argsOrExit("campaign", parseArgs(process.argv.slice(2)))
const { from, to } = seeds

const fail = (text: string): never => {
  process.stderr.write(`campaign: ${text}\n`)
  process.exit(2)
}

const configs = new Map<string, Config>()
for (const file of standardSuite(readdirSync(dir))) {
  const loaded = loadConfig(readFileSync(path.join(dir, file), "utf8"))
  if (Either.isLeft(loaded)) fail(`${file}: ${loaded.left.reason}`)
  else configs.set(path.basename(file, ".json"), loaded.right)
}
const names = [...configs.keys()]
const configOf = (name: string): Config => configs.get(name) as Config

const describe = (outcome: Outcome): string =>
  outcome._tag === "InvariantBroken"
    ? `${outcome.violation.invariant} at ${outcome.atMs.toFixed(1)} ms: ${outcome.violation.detail}`
    : outcome._tag === "NotLinearizable"
      ? `not linearizable: ${outcome.explanation}`
      : "safe"

const started = performance.now()
let safetyFailures = 0
let harnessOnly = 0
for (let seed = from; seed <= to; seed++) {
  const schedule: Schedule = generateSchedule(seed, names, configOf)
  const outcome = runSchedule(schedule, configOf(schedule.config))
  if (outcome._tag === "Safe") {
    if (outcome.harnessChecksFailed.length > 0) harnessOnly++
    continue
  }
  safetyFailures++
  const smallest = shrink(schedule, configOf(schedule.config), outcome)
  process.stdout.write(
    `UNSAFE seed ${seed} (${schedule.config}): ${describe(outcome)}\n` +
      `  shrunk schedule: ${JSON.stringify(smallest)}\n` +
      `  replay: npm run campaign -- --seeds ${seed}..${seed}\n`
  )
}
const seconds = (performance.now() - started) / 1000
const runs = to - from + 1
process.stdout.write(
  `${runs} runs (seeds ${from}..${to}) in ${seconds.toFixed(1)} s (${((seconds * 1000) / runs).toFixed(0)} ms a run): ` +
    `${safetyFailures} invariant or linearizability violations; ${harnessOnly} runs failed only harness checks (availability under heavy faults)\n`
)
process.exit(safetyFailures > 0 ? 1 : 0)
