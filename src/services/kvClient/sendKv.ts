import { HttpClient } from "@effect/platform"
import { Clock, Data, Effect, Either, Random } from "effect"
import { attempt, errorMessage, type KvAnswer, type KvRequest } from "./attempt.ts"

export interface KvClientConfig {
  /** Base URLs of the nodes' client APIs, tried in turn. */
  readonly endpoints: ReadonlyArray<string>
  /** How long to keep trying, across endpoints, redirects and retries. */
  readonly deadlineMs: number
}

export class KvUnavailable extends Data.TaggedError("KvUnavailable")<{ readonly reason: string }> {}

/** Long enough for a commit under a slow disk; a request cut short is retried with the same session. */
const ATTEMPT_TIMEOUT_MS = 3_000
const FIRST_BACKOFF_MS = 50
/** Also the wait when a 503 gives no Retry-After. */
const MAX_BACKOFF_MS = 1_000
/** Redirects in a row before the chain is taken for a loop (nodes that disagree on the leader, mid-election). */
const MAX_REDIRECTS = 4

/**
 * Sends one request until a node gives a final answer: follows 307s to the leader, moves to the
 * next endpoint when one does not answer or answers 503, and backs off (doubling, jittered,
 * at most the 503's Retry-After) once every endpoint has failed in a row or on a 503. Fails
 * with KvUnavailable when the deadline passes. A put or delete must carry a session, so that
 * sending it again after an answer was lost applies it once.
 */
export const sendKv = (config: KvClientConfig, request: KvRequest) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const deadline = (yield* Clock.currentTimeMillis) + config.deadlineMs
    const count = config.endpoints.length
    let endpoint = 0
    let url = new URL(request.path, config.endpoints[0]).href
    let redirects = 0
    let failuresInRow = 0
    let backoff = FIRST_BACKOFF_MS
    let reason = "no endpoint was tried"

    const pause = (capMs: number) =>
      Effect.gen(function* () {
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        const wait = Math.min(yield* Random.nextRange(backoff / 2, backoff), capMs, Math.max(0, remaining))
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
        yield* Effect.sleep(wait)
      })
    const nextEndpoint = () => {
      endpoint = (endpoint + 1) % count
      url = new URL(request.path, config.endpoints[endpoint]).href
      redirects = 0
    }

    for (;;) {
      const remaining = deadline - (yield* Clock.currentTimeMillis)
      if (remaining <= 0) return yield* new KvUnavailable({ reason })
      const result = yield* attempt(client, url, request, Math.min(ATTEMPT_TIMEOUT_MS, remaining))
      if (Either.isLeft(result)) {
        reason = `${new URL(url).host}: ${result.left}`
        nextEndpoint()
        failuresInRow++
        if (failuresInRow >= count) {
          failuresInRow = 0
          yield* pause(MAX_BACKOFF_MS)
        }
        continue
      }
      const answer: KvAnswer = result.right
      failuresInRow = 0
      if ((answer.status === 307 || answer.status === 308) && answer.location !== undefined) {
        if (++redirects <= MAX_REDIRECTS) {
          url = new URL(answer.location, url).href
          continue
        }
        reason = `redirected ${MAX_REDIRECTS} times in a row; the nodes disagree on the leader`
        nextEndpoint()
        yield* pause(MAX_BACKOFF_MS)
        continue
      }
      if (answer.status === 503) {
        reason = `${new URL(url).host}: ${errorMessage(answer)}`
        nextEndpoint()
        yield* pause(answer.retryAfterSeconds === undefined ? MAX_BACKOFF_MS : answer.retryAfterSeconds * 1_000)
        continue
      }
      return answer
    }
  })
