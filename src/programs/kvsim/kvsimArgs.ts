import * as Args from "@effect/cli/Args"
import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as Options from "@effect/cli/Options"
import { type Effect, Either, Option } from "effect"
import { type CommandLine, readCommandLine } from "../commandLine/readCommandLine.ts"
import { MAX_SEED, runsOption, seedOption, seedRangeOption } from "../commandLine/seedOptions.ts"

export type Target = { readonly _tag: "All" } | { readonly _tag: "File"; readonly path: string }

export interface KvsimArgs {
  readonly target: Target
  readonly replica: string
  readonly seeds: ReadonlyArray<number>
  readonly json: boolean
  readonly virtual: boolean
  readonly configsDir: string
  readonly logDir: string | undefined
  /** Where each run's artifacts go (src/harness/artifacts.ts), if anywhere. */
  readonly outDir: string | undefined
}

const DEFAULT_REPLICA = "./3700kvstore"
/** How the default replica may be named; virtual mode runs only it. */
const OUR_REPLICA = [DEFAULT_REPLICA, "3700kvstore"]

const directory = (name: string, description: string) =>
  Options.text(name).pipe(Options.withPseudoName("DIR"), Options.withDescription(description))

const runOptions = Options.all({
  replica: Options.text("replica").pipe(
    Options.withPseudoName("PATH"),
    Options.withDescription(`the replica program to start (default ${DEFAULT_REPLICA})`),
    Options.withDefault(DEFAULT_REPLICA)
  ),
  configs: directory("configs", "where `all` finds the standard configs (default ./configs)").pipe(Options.withDefault("./configs")),
  seed: seedOption.pipe(Options.withDescription("seed of the first run (default: random, printed with each result)"), Options.optional),
  runs: runsOption.pipe(Options.withDescription("run each config N times, with seeds S, S+1, ..."), Options.optional),
  seeds: seedRangeOption.pipe(Options.withDescription("run each config once per seed from A to B (instead of --seed/--runs)"), Options.optional),
  virtual: Options.boolean("virtual").pipe(
    Options.withDescription("run our replica in-process under virtual time instead of as processes (our replica only)")
  ),
  json: Options.boolean("json").pipe(Options.withDescription("print one JSON document on stdout instead of the scorecards")),
  logs: directory("logs", "keep each replica's stdout/stderr in DIR/<config>-<id>.log (real mode)").pipe(Options.optional),
  out: directory(
    "out",
    "write each run's report.html, result.json, history, datagrams, events (and, in real mode, replica logs) " +
      "to DIR/<config>-<seed>/ (docs/artifacts.md)"
  ).pipe(Options.optional)
})

type RunOptions = typeof runOptions extends Options.Options<infer A> ? A : never

const target = Args.text({ name: "config.json | all" }).pipe(
  Args.withDescription("a config file, or `all` for the standard configs in --configs, in the suite's order")
)

const run = CommandDescriptor.make("run", runOptions, target).pipe(
  CommandDescriptor.withDescription("run configs against a replica and score each run")
)

const kvsimCommand = CommandDescriptor.make("kvsim").pipe(
  CommandDescriptor.withDescription(
    "The course harness's runs, checks and scores, against replica processes over UDP or, for our replica, " +
      "in-process in virtual time. `kvsim run --help` describes run's options; `kvsim --version` prints the version."
  ),
  CommandDescriptor.withSubcommands([["run", run]])
)

const footer = [
  "EXIT STATUS",
  "",
  "0 every run passed, 1 some run failed, 2 usage error, 3 every run passed its checks but some",
  "linearizability check was inconclusive (search budget spent, or nothing answered)"
].join("\n")

const seedsOf = (options: RunOptions, defaultSeed: number): Either.Either<ReadonlyArray<number>, string> => {
  if (Option.isSome(options.seeds)) {
    if (Option.isSome(options.seed) || Option.isSome(options.runs)) return Either.left("--seeds cannot be combined with --seed or --runs")
    const { from, to } = options.seeds.value
    return Either.right(Array.from({ length: to - from + 1 }, (_, i) => from + i))
  }
  const seed = Option.getOrElse(options.seed, () => defaultSeed)
  const count = Option.getOrElse(options.runs, () => 1)
  if (seed + count - 1 > MAX_SEED) return Either.left("--seed plus --runs goes past the largest seed")
  return Either.right(Array.from({ length: count }, (_, i) => seed + i))
}

/** The rules between options, which the parser does not know. */
const resolve = (options: RunOptions, target: string, defaultSeed: number): Either.Either<KvsimArgs, string> =>
  Either.flatMap(seedsOf(options, defaultSeed), (seeds) => {
    const logDir = Option.getOrUndefined(options.logs)
    const outDir = Option.getOrUndefined(options.out)
    if (options.virtual && logDir !== undefined) return Either.left("--logs applies to real runs only, not with --virtual")
    if (outDir !== undefined && logDir !== undefined) return Either.left("--out already keeps the replicas' logs; drop --logs")
    if (options.virtual && !OUR_REPLICA.includes(options.replica)) {
      return Either.left(
        `--virtual runs our own replica in-process and cannot run ${options.replica}; drop --virtual to run it as processes`
      )
    }
    return Either.right({
      target: target === "all" ? { _tag: "All" } : { _tag: "File", path: target },
      replica: options.replica,
      seeds,
      json: options.json,
      virtual: options.virtual,
      configsDir: options.configs,
      logDir,
      outDir
    })
  })

/**
 * Reads `kvsim`'s argv; every usage mistake says what was wrong. `defaultSeed` is the shell's
 * random draw, used only when no seed is given, so that reading stays deterministic.
 */
export const parseArgs = (argv: ReadonlyArray<string>, defaultSeed: number): Effect.Effect<CommandLine<KvsimArgs>> =>
  readCommandLine(kvsimCommand, argv, footer, ({ subcommand }) =>
    Option.match(subcommand, {
      onNone: () => Either.left("missing command"),
      onSome: ([, run]) => resolve(run.options, run.args, defaultSeed)
    })
  )
