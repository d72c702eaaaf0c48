import { Either } from "effect"

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

export const usage = [
  "usage: kvsim run <config.json | all> [options]       kvsim --version",
  "  --replica PATH   the replica program to start (default ./3700kvstore)",
  "  --configs DIR    where `all` finds the standard configs (default ./configs)",
  "  --seed S         seed of the first run (default: random, printed with each result)",
  "  --runs N         run each config N times, with seeds S, S+1, ...",
  "  --seeds A..B     run each config once per seed from A to B (instead of --seed/--runs)",
  "  --virtual        run our replica in-process under virtual time instead of as processes",
  "  --json           print one JSON document on stdout instead of the scorecards",
  "  --logs DIR       keep each replica's stdout/stderr in DIR/<config>-<id>.log (real mode)",
  "  --out DIR        write each run's report.html, result.json, history, datagrams, events (and,",
  "                   in real mode, replica logs) to DIR/<config>-<seed>/ (docs/artifacts.md)",
  "exit status: 0 every run passed, 1 some run failed, 2 usage error, 3 every run passed its checks",
  "but some linearizability check was inconclusive (search budget spent, or nothing answered)"
].join("\n")

const MAX_SEED = 0xffff_ffff
/** How the default replica may be named; virtual mode runs only it. */
const OUR_REPLICA = ["./3700kvstore", "3700kvstore"]

const parseSeed = (text: string): number | undefined => {
  const n = Number(text)
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n <= MAX_SEED ? n : undefined
}

/**
 * Parses `kvsim`'s argv; every failure says what was wrong. `defaultSeed` is the shell's
 * random draw, used only when no seed is given, so this function stays pure.
 */
export const parseArgs = (argv: ReadonlyArray<string>, defaultSeed: number): Either.Either<KvsimArgs, string> => {
  const [command, ...rest] = argv
  if (command !== "run") {
    return Either.left(command === undefined ? "missing command" : `unknown command "${command}"`)
  }
  const positional: Array<string> = []
  const flags = new Map<string, string>()
  const switches = new Set<string>()
  const valued = new Set(["--replica", "--configs", "--seed", "--runs", "--seeds", "--logs", "--out"])
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string
    if (arg === "--json" || arg === "--virtual") {
      switches.add(arg)
    } else if (valued.has(arg)) {
      const value = rest[++i]
      if (value === undefined) return Either.left(`${arg} needs a value`)
      flags.set(arg, value)
    } else if (arg.startsWith("--")) {
      return Either.left(`unknown option "${arg}"`)
    } else {
      positional.push(arg)
    }
  }
  const [target, ...extra] = positional
  if (target === undefined) return Either.left("expected a config file or `all`")
  if (extra.length > 0) return Either.left(`unexpected argument "${extra[0]}"`)

  let seeds: Array<number>
  const range = flags.get("--seeds")
  if (range !== undefined) {
    if (flags.has("--seed") || flags.has("--runs")) return Either.left("--seeds cannot be combined with --seed or --runs")
    const match = /^(\d+)\.\.(\d+)$/.exec(range)
    const from = match?.[1] === undefined ? undefined : parseSeed(match[1])
    const to = match?.[2] === undefined ? undefined : parseSeed(match[2])
    if (from === undefined || to === undefined || from > to) return Either.left(`--seeds "${range}" is not a range A..B with A <= B`)
    seeds = Array.from({ length: to - from + 1 }, (_, i) => from + i)
  } else {
    const seedText = flags.get("--seed")
    const seed = seedText === undefined ? defaultSeed : parseSeed(seedText)
    if (seed === undefined) return Either.left(`--seed "${seedText}" is not a seed (0 to ${MAX_SEED})`)
    const runsText = flags.get("--runs") ?? "1"
    const runs = Number(runsText)
    if (!/^\d+$/.test(runsText) || runs < 1) return Either.left(`--runs "${runsText}" is not a positive count`)
    if (seed + runs - 1 > MAX_SEED) return Either.left("--seed plus --runs goes past the largest seed")
    seeds = Array.from({ length: runs }, (_, i) => seed + i)
  }

  const virtual = switches.has("--virtual")
  const logDir = flags.get("--logs")
  if (virtual && logDir !== undefined) return Either.left("--logs applies to real runs only, not with --virtual")
  const outDir = flags.get("--out")
  if (outDir !== undefined && logDir !== undefined) return Either.left("--out already keeps the replicas' logs; drop --logs")
  const replica = flags.get("--replica")
  if (virtual && replica !== undefined && !OUR_REPLICA.includes(replica)) {
    return Either.left(
      `--virtual runs our own replica in-process and cannot run ${replica}; drop --virtual to run it as processes`
    )
  }
  return Either.right({
    target: target === "all" ? { _tag: "All" } : { _tag: "File", path: target },
    replica: replica ?? "./3700kvstore",
    seeds,
    json: switches.has("--json"),
    virtual,
    configsDir: flags.get("--configs") ?? "./configs",
    logDir,
    outDir
  })
}
