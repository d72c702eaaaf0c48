import * as Args from "@effect/cli/Args"
import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as Options from "@effect/cli/Options"
import { type Effect, Either, Option } from "effect"
import type { KvClientConfig } from "../../services/kvClient/sendKv.ts"
import { type CommandLine, readCommandLine } from "../commandLine/readCommandLine.ts"
import { LOCAL_ENDPOINTS } from "./localEndpoints.ts"

/** What one invocation of kv asks the cluster. */
export type KvRequest =
  | { readonly _tag: "Put"; readonly key: string; readonly value: string; readonly config: KvClientConfig }
  | { readonly _tag: "Get"; readonly key: string; readonly config: KvClientConfig }
  | { readonly _tag: "Del"; readonly key: string; readonly config: KvClientConfig }
  | { readonly _tag: "Status"; readonly endpoints: ReadonlyArray<string> }

const endpoints = Options.text("endpoints").pipe(
  Options.withPseudoName("URL[,URL...]"),
  Options.withDescription(`comma-separated base URLs of the nodes' client APIs (default ${LOCAL_ENDPOINTS.join(",")})`),
  Options.withDefault(LOCAL_ENDPOINTS.join(","))
)

const timeout = Options.integer("timeout").pipe(
  Options.withPseudoName("SECONDS"),
  Options.withDescription("seconds to keep trying before giving up as unavailable (default 10)"),
  Options.withDefault(10)
)

const requestOptions = Options.all({ endpoints, timeout })

/** `--` ends the options, so that a key or value may start with `-`, which would otherwise be refused as an unknown option. */
const key = Args.text({ name: "KEY" }).pipe(Args.withDescription("the key (one that starts with - goes after --)"))
const value = Args.text({ name: "VALUE" }).pipe(Args.withDescription("the value, stored as given (one that starts with - goes after --)"))

const put = CommandDescriptor.make("put", requestOptions, Args.all({ key, value })).pipe(
  CommandDescriptor.withDescription("store VALUE under KEY, once committed")
)
const get = CommandDescriptor.make("get", requestOptions, key).pipe(
  CommandDescriptor.withDescription("print KEY's value, read linearizably at the leader")
)
const del = CommandDescriptor.make("del", requestOptions, key).pipe(
  CommandDescriptor.withDescription("delete KEY (deleting a key not stored succeeds)")
)
const status = CommandDescriptor.make("status", Options.all({ endpoints })).pipe(
  CommandDescriptor.withDescription("print every endpoint's status: id, role, term, leader, commit and applied index")
)

const kvCommand = CommandDescriptor.make("kv").pipe(
  CommandDescriptor.withDescription(
    "A client for the cluster's HTTP API (docs/cluster-api.md). `kv put --help` describes put's options, " +
      "and so on; `kv --version` prints the version."
  ),
  CommandDescriptor.withSubcommands([["put", put], ["get", get], ["del", del], ["status", status]])
)

const footer = [
  "EXIT STATUS",
  "",
  "0 done (get printed the value), 1 get of a key not stored, 2 usage error or a request the node refused,",
  "3 unavailable: no final answer before --timeout (for status: no endpoint answered)"
].join("\n")

/** The endpoints as a list: each an http:// or https:// URL, at least one. */
const endpointList = (text: string): Either.Either<ReadonlyArray<string>, string> => {
  const list = text.split(",").map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint !== "")
  const bad = list.find((endpoint) => !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
  if (list.length === 0) return Either.left("--endpoints is empty")
  if (bad !== undefined) return Either.left(`--endpoints: ${bad} is not an http:// URL`)
  return Either.right(list)
}

const configOf = (options: { readonly endpoints: string; readonly timeout: number }): Either.Either<KvClientConfig, string> =>
  Either.map(endpointList(options.endpoints), (list) => ({ endpoints: list, deadlineMs: options.timeout * 1_000 }))

type Parsed = typeof kvCommand extends CommandDescriptor.Command<infer A> ? A : never

const requestOf = ([name, sub]: Option.Option.Value<Parsed["subcommand"]>): Either.Either<KvRequest, string> => {
  switch (name) {
    case "put":
      return Either.map(configOf(sub.options), (config) => ({ _tag: "Put", key: sub.args.key, value: sub.args.value, config }))
    case "get":
      return Either.map(configOf(sub.options), (config) => ({ _tag: "Get", key: sub.args, config }))
    case "del":
      return Either.map(configOf(sub.options), (config) => ({ _tag: "Del", key: sub.args, config }))
    case "status":
      return Either.map(endpointList(sub.options.endpoints), (list) => ({ _tag: "Status", endpoints: list }))
  }
}

/** Reads kv's argv (without node and the script); every usage mistake says what was wrong. */
export const parseArgs = (argv: ReadonlyArray<string>): Effect.Effect<CommandLine<KvRequest>> =>
  readCommandLine(kvCommand, argv, footer, ({ subcommand }) =>
    Option.match(subcommand, { onNone: () => Either.left("missing command: put, get, del or status"), onSome: requestOf })
  )
