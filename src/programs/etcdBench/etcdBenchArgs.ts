import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as Options from "@effect/cli/Options"
import { Effect, Either } from "effect"
import { type CommandLine, readCommandLine } from "../commandLine/readCommandLine.ts"

export interface EtcdBenchArgs {
  readonly seconds: number
  readonly clients: ReadonlyArray<number>
  readonly rounds: number
  readonly valueBytes: number
  readonly etcd: string
}

const etcdBenchCommand = CommandDescriptor.make(
  "etcd-bench",
  Options.all({
    seconds: Options.integer("seconds").pipe(Options.withDescription("measured seconds of each phase (puts, then gets) at each concurrency (default 15)"), Options.withDefault(15)),
    clients: Options.text("clients").pipe(
      Options.withPseudoName("N,N,…"),
      Options.withDescription("the concurrencies, comma-separated (default 1,16,64)"),
      Options.withDefault("1,16,64")
    ),
    rounds: Options.integer("rounds").pipe(Options.withDescription("how many times to measure both stores, in alternating order (default 1)"), Options.withDefault(1)),
    valueBytes: Options.integer("value-bytes").pipe(Options.withDescription("the size of every value written (default 256)"), Options.withDefault(256)),
    etcd: Options.text("etcd").pipe(Options.withPseudoName("PATH"), Options.withDescription("the etcd executable (default etcd, from PATH)"), Options.withDefault("etcd"))
  })
).pipe(
  CommandDescriptor.withDescription(
    "Three kvnode processes and a three-member etcd cluster on this machine, both fsyncing every write, one after the " +
      "other, driven by the same closed-loop HTTP load generator (etcd through its v3 JSON gateway): puts/s, " +
      "linearizable gets/s and p50/p99 latency at each concurrency, as Markdown tables on stdout."
  )
)

const resolve = (options: { readonly seconds: number; readonly clients: string; readonly rounds: number; readonly valueBytes: number; readonly etcd: string }): Either.Either<EtcdBenchArgs, string> => {
  const clients = options.clients.split(",").map((word) => Number(word.trim()))
  if (clients.some((n) => !Number.isInteger(n) || n < 1)) return Either.left(`--clients needs whole numbers of at least 1, got "${options.clients}"`)
  if (options.seconds < 1) return Either.left("--seconds needs at least 1")
  if (options.rounds < 1) return Either.left("--rounds needs at least 1")
  if (options.valueBytes < 1) return Either.left("--value-bytes needs at least 1")
  return Either.right({ ...options, clients })
}

/** Reads the benchmark's argv; every usage mistake says what was wrong. */
export const parseEtcdBenchArgs = (argv: ReadonlyArray<string>): Effect.Effect<CommandLine<EtcdBenchArgs>> =>
  readCommandLine(etcdBenchCommand, argv, "", ({ options }) => resolve(options))
