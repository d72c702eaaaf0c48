import { randomBytes } from "node:crypto"
import { Args, Command, Options, ValidationError } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import type { KvSession } from "../../services/KvNode.ts"
import { deleteKv, getKv, type KvRefused, putKv, statusOf } from "../../services/kvClient/kvOperations.ts"
import type { KvClientConfig, KvUnavailable } from "../../services/kvClient/sendKv.ts"
import { EXIT, KvExit } from "./exitCodes.ts"
import { LOCAL_ENDPOINTS } from "./localEndpoints.ts"

const endpoints = Options.text("endpoints").pipe(
  Options.withDescription("comma-separated base URLs of the nodes' client APIs"),
  Options.withDefault(LOCAL_ENDPOINTS.join(","))
)

const timeout = Options.integer("timeout").pipe(
  Options.withDescription("seconds to keep trying before giving up as unavailable"),
  Options.withDefault(10)
)

const key = Args.text({ name: "KEY" })
const value = Args.text({ name: "VALUE" })

const endpointList = (text: string): Effect.Effect<ReadonlyArray<string>, KvExit> => {
  const list = text.split(",").map((endpoint) => endpoint.trim()).filter((endpoint) => endpoint !== "")
  const bad = list.find((endpoint) => !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
  if (list.length === 0) return Effect.fail(new KvExit({ code: EXIT.usage, message: "--endpoints is empty" }))
  if (bad !== undefined) return Effect.fail(new KvExit({ code: EXIT.usage, message: `--endpoints: ${bad} is not an http:// URL` }))
  return Effect.succeed(list)
}

const configOf = (options: { readonly endpoints: string; readonly timeout: number }) =>
  Effect.map(endpointList(options.endpoints), (list): KvClientConfig => ({ endpoints: list, deadlineMs: options.timeout * 1_000 }))

/**
 * A session of its own for each invocation: the random client id makes it unique, and every
 * retry of the one request carries the same id and sequence, so the cluster applies it once.
 */
const newSession = (): KvSession => ({ client: randomBytes(8).toString("hex"), sequence: 1 })

const exitOn = (error: KvUnavailable | KvRefused): KvExit =>
  error._tag === "KvUnavailable"
    ? new KvExit({ code: EXIT.unavailable, message: `unavailable: ${error.reason}` })
    : new KvExit({ code: EXIT.usage, message: `refused (HTTP ${error.status}): ${error.message}` })

const put = Command.make("put", { key, value, endpoints, timeout }, (options) =>
  Effect.flatMap(configOf(options), (config) => putKv(config, options.key, options.value, newSession())).pipe(
    Effect.mapError((error) => (error._tag === "KvExit" ? error : exitOn(error)))
  )
).pipe(Command.withDescription("store VALUE under KEY, once committed"))

const get = Command.make("get", { key, endpoints, timeout }, (options) =>
  Effect.flatMap(configOf(options), (config) => getKv(config, options.key)).pipe(
    Effect.mapError((error) => (error._tag === "KvExit" ? error : exitOn(error))),
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.fail(new KvExit({ code: EXIT.notFound, message: `not found: ${options.key}` })),
        onSome: (found) => Console.log(found)
      })
    )
  )
).pipe(Command.withDescription("print KEY's value, read linearizably at the leader"))

const del = Command.make("del", { key, endpoints, timeout }, (options) =>
  Effect.flatMap(configOf(options), (config) => deleteKv(config, options.key, newSession())).pipe(
    Effect.mapError((error) => (error._tag === "KvExit" ? error : exitOn(error)))
  )
).pipe(Command.withDescription("delete KEY (deleting a key not stored succeeds)"))

const status = Command.make("status", { endpoints }, (options) =>
  Effect.gen(function* () {
    const list = yield* endpointList(options.endpoints)
    const answers = yield* Effect.forEach(list, statusOf, { concurrency: "unbounded" })
    for (const [index, answer] of answers.entries()) {
      const endpoint = list[index]!
      yield* Console.log(
        answer._tag === "Right"
          ? `${endpoint}  ${answer.right.id}  ${answer.right.role.padEnd(12)}  term ${answer.right.term}  leader ${answer.right.leader ?? "none"}  commit ${answer.right.commitIndex}  applied ${answer.right.appliedIndex}`
          : `${endpoint}  unreachable: ${answer.left}`
      )
    }
    if (answers.every((answer) => answer._tag === "Left"))
      return yield* new KvExit({ code: EXIT.unavailable, message: "no endpoint answered" })
  })
).pipe(Command.withDescription("print every endpoint's status: id, role, term, leader, commit and applied index"))

const kv = Command.make("kv").pipe(
  Command.withDescription("a client for the cluster's HTTP API (docs/cluster-api.md)"),
  Command.withSubcommands([put, get, del, status])
)

const cli = Command.run(kv, { name: "kv", version: "0.1.0" })

/** Runs kv on `argv` (node, script, arguments…) and yields its exit status; messages go to the Console. */
export const runKv = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
    Effect.as<number>(EXIT.ok),
    Effect.catchAll((error) =>
      ValidationError.isValidationError(error)
        ? Effect.succeed(EXIT.usage)
        : Effect.as(Console.error(`kv: ${error.message}`), error.code)
    )
  )
