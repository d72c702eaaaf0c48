import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Either } from "effect"
import type { Address } from "../../domain/cluster/clusterFile.ts"
import type { NodeId } from "../../domain/ids.ts"
import { type KvCommand, KvNode, type KvOutcome, type KvSession } from "../KvNode.ts"
import { readBoundedBody } from "./boundedBody.ts"
import { keyFromUrl } from "./kvKey.ts"
import { fitsOneEntry, MAX_BODY_BYTES } from "./limits.ts"
import { errorResponse, notLeader, tooLarge, unavailable } from "./responses.ts"
import { sessionFromHeaders } from "./sessionHeaders.ts"

type Response = HttpServerResponse.HttpServerResponse

const utf8 = new TextDecoder("utf-8", { fatal: true })

const sessionField = (session: KvSession | undefined) => (session === undefined ? {} : { session })

/** Sends a command to the node and answers with `done` once it is committed (or read). */
const submit = (
  addresses: ReadonlyMap<NodeId, Address>,
  url: string,
  command: KvCommand,
  done: (outcome: Extract<KvOutcome, { _tag: "Done" }>) => Response
) =>
  Effect.flatMap(KvNode, (node) => node.submit(command)).pipe(
    Effect.map((outcome): Response => {
      switch (outcome._tag) {
        case "Done":
          return done(outcome)
        case "NotLeader":
          return notLeader(outcome.leader, addresses, url)
        case "Unavailable":
          return unavailable(`${outcome.reason}; the outcome is unknown: retry (a put or delete resent with the same Client-Id and Client-Sequence takes effect once)`)
      }
    })
  )

const getKey = (addresses: ReadonlyMap<NodeId, Address>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = keyFromUrl(request.url)
    if (Either.isLeft(key)) return errorResponse(400, key.left)
    return yield* submit(addresses, request.url, { kind: "get", key: key.right }, ({ value }) =>
      value === undefined
        ? errorResponse(404, "no such key")
        : HttpServerResponse.text(value, { contentType: "text/plain; charset=utf-8" })
    )
  })

/**
 * A put or a delete: hands `write` the request, its key and its session, or answers with a 400
 * that says which of them is malformed.
 */
const keyedWrite = <E, R>(
  write: (request: HttpServerRequest.HttpServerRequest, key: string, session: KvSession | undefined) => Effect.Effect<Response, E, R>
) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const key = keyFromUrl(request.url)
    if (Either.isLeft(key)) return errorResponse(400, key.left)
    const session = sessionFromHeaders(request.headers)
    if (Either.isLeft(session)) return errorResponse(400, session.left)
    return yield* write(request, key.right, session.right)
  })

const noContent = () => HttpServerResponse.empty({ status: 204 })

const putKey = (addresses: ReadonlyMap<NodeId, Address>) =>
  keyedWrite((request, key, session) =>
    Effect.gen(function* () {
      const body = yield* Effect.either(readBoundedBody(request, MAX_BODY_BYTES))
      if (Either.isLeft(body)) return errorResponse(400, "the body could not be read")
      if (body.right._tag === "TooLarge") return tooLarge(`the value is larger than ${MAX_BODY_BYTES} bytes`)
      let value: string
      try {
        value = utf8.decode(body.right.bytes)
      } catch {
        return errorResponse(400, "the value is not valid UTF-8 text")
      }
      if (!fitsOneEntry(key, value)) return tooLarge("the key and value are too large for one log entry once JSON-escaped")
      return yield* submit(addresses, request.url, { kind: "put", key, value, ...sessionField(session) }, noContent)
    })
  )

const deleteKey = (addresses: ReadonlyMap<NodeId, Address>) =>
  keyedWrite((request, key, session) => submit(addresses, request.url, { kind: "delete", key, ...sessionField(session) }, noContent))

const status = Effect.flatMap(KvNode, (node) => node.status).pipe(
  Effect.map((status) =>
    HttpServerResponse.unsafeJson({
      id: status.id,
      role: status.role,
      term: status.term,
      leader: status.leader ?? null,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex
    })
  )
)

/**
 * The client API (docs/cluster-api.md): its routes, and a JSON 404 for any other path.
 * `addresses` are the cluster's HTTP addresses, where a follower sends clients to the leader.
 */
export const kvApp = (addresses: ReadonlyMap<NodeId, Address>) => {
  const get = getKey(addresses)
  const put = putKey(addresses)
  const del = deleteKey(addresses)
  // One route per path, dispatching on the method itself, so that any other method gets a 405.
  const kv = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    switch (request.method) {
      case "GET":
        return get
      case "PUT":
        return put
      case "DELETE":
        return del
      default:
        return Effect.succeed(errorResponse(405, "use GET, PUT or DELETE on /kv/<key>", { allow: "GET, PUT, DELETE" }))
    }
  })
  const statusRoute = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.method === "GET" ? status : Effect.succeed(errorResponse(405, "use GET on /status", { allow: "GET" }))
  )
  return HttpRouter.empty.pipe(
    HttpRouter.all("/kv/*", kv),
    HttpRouter.all("/status", statusRoute),
    // The router matches neither an empty key nor a path it cannot percent-decode: those reach
    // the key's own validation, for a 400 that says what is wrong.
    Effect.catchTag("RouteNotFound", ({ request }) =>
      /^\/kv(\/|\?|$)/.test(request.url) ? kv : Effect.succeed(errorResponse(404, "no such route: use /kv/<key> or /status"))
    )
  )
}
