// `node scripts/abReference.mjs --reference <run> --a <replica> --b <replica> [--runs N] configs…`:
// runs the course's own simulator ("the reference") on two builds of a replica, A then B in turn
// for each run of each config, so both see the machine in the same state, and prints one line
// per run and a summary per config. For judging a change to the replica by the grader's own
// numbers; the reference's path is an argument and nothing of it is copied. Node's standard
// library only.
import { accessSync, constants, existsSync, writeFileSync } from "node:fs"
import path from "node:path"
import { runReference } from "./referenceRun.mjs"
import { scriptArgs } from "./scriptArgs.mjs"

const USAGE = `usage: npm run ab-reference -- --reference PATH --a REPLICA --b REPLICA [options] configs…
  --reference PATH  the reference simulator (the course's \`run\`, Python 3); required
  --a REPLICA       the first build's replica program (for example a worktree's 3700kvstore); required
  --b REPLICA       the second build's; required
  --runs N          runs per config and build (default 2)
  --out FILE        also write every run's numbers as JSON to FILE
  --help            print this and exit
configs: names in configs/ (advanced-2) or paths to config files; at least one.
Each run takes the config's whole lifetime (about 40 s); run it with nothing else on the machine.`

const usageError = (reason) => {
  process.stderr.write(`${reason}\n\n${USAGE}\n`)
  process.exit(2)
}

const parsed = scriptArgs(USAGE, { valued: ["--reference", "--a", "--b", "--runs", "--out"], positional: true })
const options = { runs: "2", ...parsed.values }
if (options.reference === undefined || !existsSync(options.reference)) usageError("--reference PATH is required and must exist")
for (const side of ["a", "b"]) {
  if (options[side] === undefined) usageError(`--${side} REPLICA is required`)
  try {
    accessSync(options[side], constants.X_OK)
  } catch {
    usageError(`replica ${options[side]} is missing or not executable`)
  }
}
const runs = Number(options.runs)
if (!/^\d+$/.test(options.runs) || runs < 1) usageError(`--runs "${options.runs}" is not a positive count`)
if (parsed.rest.length === 0) usageError("name at least one config")
const configs = parsed.rest.map((arg) => {
  const file = existsSync(arg) && arg.endsWith(".json") ? arg : path.join("configs", `${arg}.json`)
  if (!existsSync(file)) usageError(`no config "${arg}" (looked for ${file})`)
  return { name: path.basename(file, ".json"), file: path.resolve(file) }
})
const builds = { A: path.resolve(options.a), B: path.resolve(options.b) }

const TIER = ["B", "F", "P", "N"]
const tierOf = (run) => (run.tiers === null || run.tiers === undefined ? "-" : TIER[run.tiers.median_latency] ?? "?")
const ms = (value) => (value === null ? "–" : value.toFixed(2))
const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted.length === 0 ? null : sorted[sorted.length >> 1]
}

const all = []
process.stdout.write(`A = ${builds.A}\nB = ${builds.B}\n`)
process.stdout.write("config        run  build  correct  messages  redirects  failures  median ms  tier\n")
for (const config of configs) {
  for (let i = 0; i < runs; i++) {
    for (const [build, replica] of Object.entries(builds)) {
      const run = runReference({ reference: options.reference, replica, config: config.file })
      all.push({ config: config.name, run: i, build, ...run })
      process.stdout.write(
        `${config.name.padEnd(13)} ${String(i + 1).padStart(3)}  ${build.padEnd(5)}  ${String(run.correct).padEnd(7)}  ` +
          `${String(run.totalMsgs).padStart(8)}  ${String(run.redirects).padStart(9)}  ${String(run.failures).padStart(8)}  ` +
          `${ms(run.medianLatencyMs).padStart(9)}  ${tierOf(run)}\n`
      )
    }
  }
}
process.stdout.write("\nper config: median over runs, A → B; pairs: runs where B's median latency is below A's\n")
for (const config of configs) {
  const of = (build) => all.filter((run) => run.config === config.name && run.build === build)
  const [a, b] = [of("A"), of("B")]
  const lower = a.filter((run, i) => b[i] !== undefined && b[i].medianLatencyMs !== null && run.medianLatencyMs !== null && b[i].medianLatencyMs < run.medianLatencyMs).length
  process.stdout.write(
    `${config.name.padEnd(13)} correct ${a.filter((r) => r.correct).length}/${a.length} → ${b.filter((r) => r.correct).length}/${b.length}` +
      `  messages ${median(a.map((r) => r.totalMsgs))} → ${median(b.map((r) => r.totalMsgs))}` +
      `  median ms ${ms(median(a.map((r) => r.medianLatencyMs).filter((v) => v !== null)))} → ${ms(median(b.map((r) => r.medianLatencyMs).filter((v) => v !== null)))}` +
      `  B lower in ${lower}/${a.length}\n`
  )
}
if (options.out !== undefined) writeFileSync(options.out, `${JSON.stringify(all, null, 2)}\n`)
