import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import type { KvSession } from "../KvNode.ts"

export interface KvRequest {
  readonly method: "GET" | "PUT" | "DELETE"
  /** Path and query, the same at every node. */
  readonly path: string
  readonly body?: string
  readonly session?: KvSession
}

export interface KvAnswer {
  readonly status: number
  readonly location: string | undefined
  readonly retryAfterSeconds: number | undefined
  readonly body: string
}

/** The message of an error answer (`{"error": …}`), or the body or status when it has none. */
export const errorMessage = (answer: KvAnswer): string => {
  try {
    const { error } = JSON.parse(answer.body) as { error?: unknown }
    if (typeof error === "string") return error
  } catch {
    // not JSON: the body or the status says it
  }
  return answer.body.trim() === "" ? `HTTP ${answer.status}` : answer.body.trim()
}

/** One request to one URL, within `timeoutMs`; Left is why no answer came (refused, reset, timed out). */
export const attempt = (
  client: HttpClient.HttpClient,
  url: string,
  request: KvRequest,
  timeoutMs: number
): Effect.Effect<Either.Either<KvAnswer, string>> => {
  let outgoing = HttpClientRequest.make(request.method)(url)
  if (request.session !== undefined)
    outgoing = HttpClientRequest.setHeaders(outgoing, {
      "client-id": request.session.client,
      "client-sequence": String(request.session.sequence)
    })
  if (request.body !== undefined) outgoing = HttpClientRequest.bodyText(outgoing, request.body, "text/plain; charset=utf-8")
  return client.execute(outgoing).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (body): KvAnswer => {
        const retryAfter = Number(response.headers["retry-after"])
        return {
          status: response.status,
          location: response.headers["location"],
          retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
          body
        }
      })
    ),
    Effect.scoped,
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => `no answer within ${timeoutMs} ms` }),
    Effect.mapError((error) => (typeof error === "string" ? error : describe(error))),
    Effect.either
  )
}

/** The transport's own reason (ECONNREFUSED, a reset), rather than the client's generic wrapper. */
const describe = (error: { readonly message: string; readonly cause?: unknown }): string => {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  if (cause !== undefined && typeof cause.code === "string") return cause.code
  if (cause !== undefined && typeof cause.message === "string" && cause.message !== "") return cause.message
  return error.message
}
