import { randomInt } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Either, Exit } from "effect"
import { type Config, loadConfig } from "../../domain/harness/config.ts"
import { formatJson, formatScorecard, formatSummaryLine } from "../../domain/harness/report.ts"
import type { RunResult } from "../../domain/harness/result.ts"
import { Trace } from "../../domain/harness/trace.ts"
import { EXIT_CODES, exitCodeOf, type RunStatus } from "../../domain/harness/status.ts"
import { refusal, versionLine } from "../commandLine/reply.ts"
import { type KvsimArgs, parseArgs } from "./kvsimArgs.ts"
import { runDirectory, writeArtifacts } from "../../harness/artifacts.ts"
import { progressReporter } from "../../harness/progressLine.ts"
import { killRunningReplicas } from "../../harness/replicaProcess.ts"
import { runReal } from "../../harness/real.ts"
import { standardSuite } from "../../harness/suite.ts"
import { runVirtual } from "../../harness/virtual.ts"

const EXIT_USAGE = EXIT_CODES.usage

const say = (text: string) => Effect.sync(() => process.stdout.write(`${text}\n`))
const complain = (text: string) => Effect.sync(() => process.stderr.write(`kvsim: ${text}\n`))

/**
 * One turn of the event loop before each run. A virtual run waits on nothing, so without it a
 * signal, or a broken stdout that killStrays turns into one, would be heard only once every
 * run had ended; with it the next run does not start, and kvsim exits 130 as on Ctrl-C.
 */
const heedSignals = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

interface ConfigEntry {
  readonly name: string
  readonly config: Either.Either<Config, string>
}

const readConfig = (file: string): ConfigEntry => {
  const name = path.basename(file, ".json")
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    return { name, config: Either.left(error instanceof Error ? error.message : String(error)) }
  }
  return { name, config: Either.mapLeft(loadConfig(text), (error) => error.reason) }
}

const suiteEntries = (dir: string): Either.Either<ReadonlyArray<ConfigEntry>, string> => {
  let files: ReadonlyArray<string>
  try {
    files = readdirSync(dir)
  } catch (error) {
    return Either.left(`cannot list configs in ${dir}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const suite = standardSuite(files)
  if (suite.length === 0) return Either.left(`no standard configs (simple-1.json, ...) in ${dir}`)
  return Either.right(suite.map((file) => readConfig(path.join(dir, file))))
}

const runOnce = (args: KvsimArgs, config: Config, name: string, seed: number, trace: Trace | undefined) => {
  const traced = trace === undefined ? {} : { trace }
  if (args.virtual) return runVirtual(config, { seed, name, ...traced })
  const progress = progressReporter(name, process.stderr)
  const logDir = args.outDir === undefined ? args.logDir : runDirectory(args.outDir, name, seed)
  return runReal(config, {
    seed,
    name,
    replicaPath: args.replica,
    ...(logDir === undefined ? {} : { logDir }),
    onProgress: progress.update,
    ...traced
  }).pipe(Effect.ensuring(Effect.sync(progress.clear)))
}

const program = Effect.gen(function* () {
  const line = yield* parseArgs(process.argv.slice(2), randomInt(0, 2 ** 31))
  switch (line._tag) {
    case "Help":
      yield* say(line.text)
      return 0
    case "Version":
      yield* say(versionLine("kvsim"))
      return 0
    case "Refused":
      yield* Effect.sync(() => process.stderr.write(`${refusal("kvsim", line)}\n`))
      return EXIT_USAGE
  }
  const args = line.value
  const all = args.target._tag === "All"
  const entries = args.target._tag === "All" ? suiteEntries(args.configsDir) : Either.right([readConfig(args.target.path)])
  if (Either.isLeft(entries)) {
    yield* complain(entries.left)
    return EXIT_USAGE
  }
  if (!all) {
    const only = entries.right[0]
    if (only !== undefined && Either.isLeft(only.config)) {
      yield* complain(`${args.target._tag === "File" ? args.target.path : only.name}: ${only.config.left}`)
      return EXIT_USAGE
    }
  }
  const nameWidth = Math.max(...entries.right.map((entry) => entry.name.length))
  const results: Array<RunResult> = []
  // One per run; a broken standard config counts as failed runs, one per seed.
  const statuses: Array<RunStatus> = []
  for (const entry of entries.right) {
    if (Either.isLeft(entry.config)) {
      // Only reachable for `all`: a broken standard config fails its test but not the others.
      for (const _ of args.seeds) statuses.push("fail")
      if (!args.json) yield* say(`FAIL ${entry.name.padEnd(nameWidth)} bad config: ${entry.config.left}`)
      continue
    }
    for (const seed of args.seeds) {
      yield* heedSignals
      const trace = args.outDir === undefined ? undefined : new Trace()
      const result = yield* runOnce(args, entry.config.right, entry.name, seed, trace)
      if (args.outDir !== undefined && trace !== undefined) {
        const dir = runDirectory(args.outDir, entry.name, seed)
        yield* Effect.try({
          try: () => writeArtifacts(dir, result, trace),
          catch: (error) => `cannot write artifacts to ${dir}: ${error instanceof Error ? error.message : String(error)}`
        }).pipe(Effect.catchAll(complain))
      }
      results.push(result)
      statuses.push(result.status)
      if (args.json) continue
      yield* say(all ? formatSummaryLine(result, nameWidth) : `${formatScorecard(result)}\n`)
    }
  }
  if (args.json) {
    yield* say(formatJson(results))
  } else if (all || args.seeds.length > 1) {
    if (!all) for (const result of results) yield* say(formatSummaryLine(result, nameWidth))
    const passed = statuses.filter((status) => status === "pass").length
    const inconclusive = statuses.filter((status) => status === "inconclusive").length
    yield* say(
      `Passed ${passed} out of ${statuses.length} ${all ? "tests" : "runs"}` +
        (inconclusive > 0 ? `, ${inconclusive} inconclusive` : "")
    )
  }
  return exitCodeOf(statuses)
}).pipe(
  Effect.catchTag("ReplicaStartError", (error) => Effect.as(complain(error.reason), EXIT_USAGE)),
  Effect.tap((code) => Effect.sync(() => (process.exitCode = code)))
)

/**
 * The ways kvsim can die that skip its own cleanup (the scoped finalizers that stop a run's
 * replicas on SIGINT and SIGTERM). A hang-up and a reader gone from stdout (`kvsim … | head`:
 * EPIPE on the next write) are turned into SIGTERM, so the run stops as on Ctrl-C. An uncaught
 * error, or any exit at all, kills whatever replicas are left, since each runs in a process
 * group of its own and would otherwise outlive kvsim.
 */
const killStrays = (): void => {
  let stopping = false
  const stop = (): void => {
    // Once the program has set its exit code every run is over: there is nothing left to stop.
    if (stopping || process.exitCode !== undefined) return
    stopping = true
    process.kill(process.pid, "SIGTERM")
  }
  process.once("SIGHUP", stop)
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") stop()
    else throw error
  })
  process.on("uncaughtException", (error) => {
    process.stderr.write(`kvsim: ${error.stack ?? String(error)}\n`)
    killRunningReplicas()
    process.exit(1)
  })
  process.on("exit", killRunningReplicas)
}

killStrays()
// 130 on Ctrl-C, as shells report SIGINT, so a script does not mistake an interrupted suite for a pass.
NodeRuntime.runMain(program, {
  disablePrettyLogger: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
})
