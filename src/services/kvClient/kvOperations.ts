import { HttpClient } from "@effect/platform"
import { Data, Effect, Option } from "effect"
import type { KvSession } from "../KvNode.ts"
import { attempt, errorMessage, type KvAnswer } from "./attempt.ts"
import { type KvClientConfig, sendKv } from "./sendKv.ts"

/** A final answer other than success: the request itself was refused (bad key, too large) or not understood. */
export class KvRefused extends Data.TaggedError("KvRefused")<{ readonly status: number; readonly message: string }> {}

const refused = (answer: KvAnswer) => new KvRefused({ status: answer.status, message: errorMessage(answer) })

const keyPath = (key: string): string => `/kv/${encodeURIComponent(key)}`

const succeeded = (answer: KvAnswer): boolean => answer.status === 200 || answer.status === 204

export const putKv = (config: KvClientConfig, key: string, value: string, session: KvSession) =>
  Effect.flatMap(sendKv(config, { method: "PUT", path: keyPath(key), body: value, session }), (answer) =>
    succeeded(answer) ? Effect.void : Effect.fail(refused(answer))
  )

export const deleteKv = (config: KvClientConfig, key: string, session: KvSession) =>
  Effect.flatMap(sendKv(config, { method: "DELETE", path: keyPath(key), session }), (answer) =>
    succeeded(answer) ? Effect.void : Effect.fail(refused(answer))
  )

/** The value, read linearizably at the leader; None for a key not stored. */
export const getKv = (config: KvClientConfig, key: string) =>
  Effect.flatMap(sendKv(config, { method: "GET", path: keyPath(key) }), (answer) => {
    if (answer.status === 200) return Effect.succeed(Option.some(answer.body))
    if (answer.status === 404) return Effect.succeed(Option.none<string>())
    return Effect.fail(refused(answer))
  })

export interface NodeStatus {
  readonly id: string
  readonly role: string
  readonly term: number
  readonly leader: string | null
  readonly commitIndex: number
  readonly appliedIndex: number
}

const STATUS_TIMEOUT_MS = 2_000

/** One node's own status, asked once and not redirected: each node answers for itself. */
export const statusOf = (endpoint: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    attempt(client, new URL("/status", endpoint).href, { method: "GET", path: "/status" }, STATUS_TIMEOUT_MS)
  ).pipe(
    Effect.flatMap((result) => {
      if (result._tag === "Left") return Effect.fail(result.left)
      if (result.right.status !== 200) return Effect.fail(errorMessage(result.right))
      return Effect.try({ try: () => JSON.parse(result.right.body) as NodeStatus, catch: () => "the status is not JSON" })
    }),
    Effect.either
  )
