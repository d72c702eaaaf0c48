import { randomBytes } from "node:crypto"
import { Console, Effect, Option } from "effect"
import type { KvSession } from "../../services/KvNode.ts"
import { deleteKv, getKv, type KvRefused, putKv, statusOf } from "../../services/kvClient/kvOperations.ts"
import type { KvUnavailable } from "../../services/kvClient/sendKv.ts"
import { refusal, versionLine } from "../commandLine/reply.ts"
import { EXIT, KvExit } from "./exitCodes.ts"
import { type KvRequest, parseArgs } from "./kvArgs.ts"

/**
 * A session of its own for each invocation: the random client id makes it unique, and every
 * retry of the one request carries the same id and sequence, so the cluster applies it once.
 */
const newSession = (): KvSession => ({ client: randomBytes(8).toString("hex"), sequence: 1 })

const exitOn = (error: KvUnavailable | KvRefused): KvExit =>
  error._tag === "KvUnavailable"
    ? new KvExit({ code: EXIT.unavailable, message: `unavailable: ${error.reason}` })
    : new KvExit({ code: EXIT.usage, message: `refused (HTTP ${error.status}): ${error.message}` })

const printStatus = (endpoints: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const answers = yield* Effect.forEach(endpoints, statusOf, { concurrency: "unbounded" })
    for (const [index, answer] of answers.entries()) {
      const endpoint = endpoints[index]!
      yield* Console.log(
        answer._tag === "Right"
          ? `${endpoint}  ${answer.right.id}  ${answer.right.role.padEnd(12)}  term ${answer.right.term}  leader ${answer.right.leader ?? "none"}  commit ${answer.right.commitIndex}  applied ${answer.right.appliedIndex}`
          : `${endpoint}  unreachable: ${answer.left}`
      )
    }
    if (answers.every((answer) => answer._tag === "Left"))
      return yield* new KvExit({ code: EXIT.unavailable, message: "no endpoint answered" })
  })

const perform = (request: KvRequest) => {
  switch (request._tag) {
    case "Put":
      return Effect.mapError(putKv(request.config, request.key, request.value, newSession()), exitOn)
    case "Get":
      return getKv(request.config, request.key).pipe(
        Effect.mapError(exitOn),
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.fail(new KvExit({ code: EXIT.notFound, message: `not found: ${request.key}` })),
            onSome: (found) => Console.log(found)
          })
        )
      )
    case "Del":
      return Effect.mapError(deleteKv(request.config, request.key, newSession()), exitOn)
    case "Status":
      return printStatus(request.endpoints)
  }
}

/** Runs kv on `argv` (node, script, arguments…) and yields its exit status; messages go to the Console. */
export const runKv = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(parseArgs(argv.slice(2)), (line) => {
    switch (line._tag) {
      case "Help":
        return Effect.as(Console.log(line.text), EXIT.ok)
      case "Version":
        return Effect.as(Console.log(versionLine("kv")), EXIT.ok)
      case "Refused":
        return Effect.as(Console.error(refusal("kv", line)), EXIT.usage)
      case "Run":
        return perform(line.value).pipe(
          Effect.as<number>(EXIT.ok),
          Effect.catchAll((error) => Effect.as(Console.error(`kv: ${error.message}`), error.code))
        )
    }
  })
