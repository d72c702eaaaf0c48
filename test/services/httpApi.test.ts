import { request as httpRequest } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Address } from "../../src/domain/cluster/clusterFile.ts"
import type { NodeId } from "../../src/domain/ids.ts"
import { MAX_BODY_BYTES, MAX_KEY_BYTES } from "../../src/services/http/limits.ts"
import { urlOf } from "../../src/services/http/responses.ts"
import { fakeKvNode, serveApi } from "../support/fakeKvNode.ts"

const A = "0001" as NodeId
const B = "0002" as NodeId

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { redirect: "manual", ...init })
    return { status: response.status, headers: response.headers, body: await response.text() }
  })

const errorOf = (body: string): unknown => (JSON.parse(body) as { error: unknown }).error

/** A PUT through node:http, to send a body the way fetch will not: a lying Content-Length, or chunks past the limit. */
const rawPut = (url: string, headers: Record<string, string | number>, send: (write: (chunk: Buffer) => void) => void) =>
  Effect.async<{ status: number; body: string; closedByServer: boolean }>((resume) => {
    const request = httpRequest(url, { method: "PUT", headers })
    request.on("error", () => {})
    request.on("response", (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => {
        const timer = setTimeout(() => resume(Effect.succeed({ status: response.statusCode!, body, closedByServer: false })), 2_000)
        const done = () => {
          clearTimeout(timer)
          resume(Effect.succeed({ status: response.statusCode!, body, closedByServer: true }))
        }
        if (request.socket?.destroyed) done()
        else request.socket?.once("close", done)
      })
    })
    send((chunk) => request.write(chunk))
  })

describe("the client API over HTTP", () => {
  it.scopedLive("puts, gets, deletes and answers 404 for a key not stored", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      const put = yield* call(`${url}/kv/colour`, { method: "PUT", body: "blue ü" })
      expect(put.status).toBe(204)
      const got = yield* call(`${url}/kv/colour`)
      expect([got.status, got.body, got.headers.get("content-type")]).toEqual([200, "blue ü", "text/plain; charset=utf-8"])
      expect((yield* call(`${url}/kv/colour`, { method: "DELETE" })).status).toBe(204)
      const missing = yield* call(`${url}/kv/colour`)
      expect(missing.status).toBe(404)
      expect(errorOf(missing.body)).toBe("no such key")
      expect(node.commands.map((command) => command.kind)).toEqual(["put", "get", "delete", "get"])
    }))

  it.scopedLive("GET /status is the node's status as JSON, a null leader included", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A, { _tag: "Follower", leader: undefined })
      const { url } = yield* serveApi(node.layer, new Map())
      const status = yield* call(`${url}/status`)
      expect(status.status).toBe(200)
      expect(JSON.parse(status.body)).toEqual({ id: A, role: "follower", term: 3, leader: null, commitIndex: 7, appliedIndex: 7 })
    }))

  it.scopedLive("a follower redirects with 307 to the same path and query at the leader's HTTP address", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A, { _tag: "Follower", leader: B })
      const { url } = yield* serveApi(node.layer, new Map([[B, { host: "10.0.0.2", port: 8402 }]]))
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = yield* call(`${url}/kv/a%20b/c?x=1`, method === "PUT" ? { method, body: "v" } : { method })
        expect(answer.status).toBe(307)
        expect(answer.headers.get("location")).toBe("http://10.0.0.2:8402/kv/a%20b/c?x=1")
        expect(errorOf(answer.body)).toBe(`this node does not lead; the leader is ${B}`)
      }
    }))

  it.scopedLive("with no leader known, or one missing from the cluster's addresses, a follower answers 503 with Retry-After", () =>
    Effect.gen(function* () {
      const unknown = fakeKvNode(A, { _tag: "Follower", leader: undefined })
      const elsewhere = fakeKvNode(A, { _tag: "Follower", leader: "0009" as NodeId })
      for (const node of [unknown, elsewhere]) {
        const { url } = yield* serveApi(node.layer, new Map([[B, { host: "10.0.0.2", port: 8402 }]]))
        const answer = yield* call(`${url}/kv/k`)
        expect([answer.status, answer.headers.get("retry-after")]).toEqual([503, "1"])
        expect(errorOf(answer.body)).toMatch(/no leader is known/)
      }
    }))

  it.scopedLive("Unavailable is 503 with Retry-After and the reason", () =>
    Effect.gen(function* () {
      const { url } = yield* serveApi(fakeKvNode(A, { _tag: "Unavailable" }).layer, new Map())
      const answer = yield* call(`${url}/kv/k`, { method: "PUT", body: "v" })
      expect([answer.status, answer.headers.get("retry-after")]).toEqual([503, "1"])
      expect(errorOf(answer.body)).toMatch(/no quorum/)
    }))

  it.scopedLive("Client-Id and Client-Sequence reach the node as the session of a put or delete", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      const headers = { "Client-Id": "c-7f3a", "Client-Sequence": "12" }
      yield* call(`${url}/kv/k`, { method: "PUT", body: "v", headers })
      yield* call(`${url}/kv/k`, { method: "PUT", body: "v", headers })
      yield* call(`${url}/kv/k`, { method: "DELETE", headers: { ...headers, "Client-Sequence": "13" } })
      yield* call(`${url}/kv/k`, { method: "PUT", body: "w" })
      expect(node.commands).toEqual([
        { kind: "put", key: "k", value: "v", session: { client: "c-7f3a", sequence: 12 } },
        { kind: "put", key: "k", value: "v", session: { client: "c-7f3a", sequence: 12 } },
        { kind: "delete", key: "k", session: { client: "c-7f3a", sequence: 13 } },
        { kind: "put", key: "k", value: "w" }
      ])
      expect(node.applied).toBe(3)
    }))

  it.scopedLive("keys are percent-decoded, slashes included", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      yield* call(`${url}/kv/users%2F42%20%C3%BC`)
      yield* call(`${url}/kv/users/42`)
      yield* call(`${url}/kv/${"k".repeat(MAX_KEY_BYTES)}`)
      expect(node.commands.map((command) => command.key)).toEqual(["users/42 ü", "users/42", "k".repeat(MAX_KEY_BYTES)])
    }))

  it.scopedLive("answers 400 with a message for a bad key, a bad session or a body that is not UTF-8, without reaching the node", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      const cases: ReadonlyArray<readonly [string, RequestInit, RegExp]> = [
        ["/kv/", {}, /key is empty/],
        ["/kv/%E0%A4%A", {}, /percent-encoded/],
        [`/kv/${"k".repeat(MAX_KEY_BYTES + 1)}`, {}, /at most 1024/],
        ["/kv/k", { method: "PUT", body: "v", headers: { "Client-Id": "c" } }, /go together/],
        ["/kv/k", { method: "DELETE", headers: { "Client-Id": "c", "Client-Sequence": "0" } }, /positive integer/],
        ["/kv/k", { method: "PUT", body: "v", headers: { "Client-Id": "has space", "Client-Sequence": "1" } }, /Client-Id must be/],
        ["/kv/k", { method: "PUT", body: new Uint8Array([0x61, 0xff]) }, /not valid UTF-8/]
      ]
      for (const [path, init, message] of cases) {
        const answer = yield* call(`${url}${path}`, init)
        expect(answer.status, path).toBe(400)
        expect(errorOf(answer.body)).toMatch(message)
      }
      expect(node.commands).toEqual([])
    }))

  it.scopedLive("takes a body of the limit and refuses a larger one with 413, by its Content-Length, without reading it", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      expect((yield* call(`${url}/kv/k`, { method: "PUT", body: "x".repeat(MAX_BODY_BYTES) })).status).toBe(204)
      const answer = yield* rawPut(`${url}/kv/k`, { "content-length": 10_000_000 }, (write) => write(Buffer.alloc(1_000, 0x78)))
      expect([answer.status, answer.closedByServer]).toEqual([413, true])
      expect(errorOf(answer.body)).toMatch(/larger than/)
      expect(node.commands).toHaveLength(1)
    }))

  it.scopedLive("refuses a chunked body with 413 once it passes the limit, and closes the connection", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      const answer = yield* rawPut(`${url}/kv/k`, { "transfer-encoding": "chunked" }, (write) => {
        for (let i = 0; i < 10; i++) write(Buffer.alloc(8_192, 0x78))
      })
      expect([answer.status, answer.closedByServer]).toEqual([413, true])
      expect(node.commands).toEqual([])
    }))

  it.scopedLive("refuses with 413 a value under the limit that JSON escaping makes too large for one entry", () =>
    Effect.gen(function* () {
      const node = fakeKvNode(A)
      const { url } = yield* serveApi(node.layer, new Map())
      const answer = yield* call(`${url}/kv/k`, { method: "PUT", body: "\u0001".repeat(20_000) })
      expect(answer.status).toBe(413)
      expect(errorOf(answer.body)).toMatch(/JSON-escaped/)
      expect(node.commands).toEqual([])
    }))

  it.scopedLive("answers 404 for another path and 405 with Allow for another method", () =>
    Effect.gen(function* () {
      const { url } = yield* serveApi(fakeKvNode(A).layer, new Map())
      const other = yield* call(`${url}/keys`)
      expect(other.status).toBe(404)
      expect(errorOf(other.body)).toMatch(/no such route/)
      const post = yield* call(`${url}/kv/k`, { method: "POST", body: "v" })
      expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, PUT, DELETE"])
      expect((yield* call(`${url}/status`, { method: "DELETE" })).status).toBe(405)
    }))

  it("brackets an IPv6 leader address in the redirect URL", () => {
    const address: Address = { host: "fd00::2", port: 8402 }
    expect(urlOf(address, "/kv/k")).toBe("http://[fd00::2]:8402/kv/k")
  })
})
