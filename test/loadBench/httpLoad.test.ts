import { createServer, type IncomingMessage, type Server } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { agentFor, fill, keyOf, percentile, runPhase } from "../../src/loadBench/httpLoad.ts"
import { etcdTarget, kvnodeTarget } from "../../src/loadBench/loadTarget.ts"

interface Seen {
  readonly method: string
  readonly url: string
  readonly body: string
}

const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

const bodyOf = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
  })

/** A server answering every request with `status`, recording what it was sent. */
const serve = async (status: number): Promise<{ readonly url: string; readonly seen: Array<Seen> }> => {
  const seen: Array<Seen> = []
  const server = createServer(async (request, response) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", body: await bodyOf(request) })
    response.writeHead(status).end()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no port")
  return { url: `http://127.0.0.1:${address.port}`, seen }
}

describe("the load generator", () => {
  it("counts every 2xx answer, and each client writes and reads only its own keys", async () => {
    const server = await serve(204)
    const agent = agentFor(2)
    const put = await runPhase({ target: kvnodeTarget(server.url), kind: "put", clients: 2, durationMs: 200, valueBytes: 10 }, agent)
    const get = await runPhase({ target: kvnodeTarget(server.url), kind: "get", clients: 2, durationMs: 200, valueBytes: 10 }, agent)
    agent.destroy()
    expect(put.ok + get.ok).toBe(server.seen.length)
    expect(put.errors + get.errors).toBe(0)
    expect(put.ok).toBeGreaterThan(0)
    const puts = server.seen.filter((s) => s.method === "PUT")
    expect(puts).toHaveLength(put.ok)
    expect(new Set(puts.map((s) => s.body))).toEqual(new Set(["v".repeat(10)]))
    const keys = new Set(server.seen.map((s) => s.url))
    expect([...keys].every((url) => /^\/kv\/bench-c[01]-k[0-7]$/.test(url))).toBe(true)
    expect(put.p50).toBeLessThanOrEqual(put.p99)
    expect(put.seconds).toBeGreaterThanOrEqual(0.2)
  })

  it("counts an answer outside 2xx as an error, with no latency sample", async () => {
    const server = await serve(503)
    const agent = agentFor(1)
    const result = await runPhase({ target: kvnodeTarget(server.url), kind: "get", clients: 1, durationMs: 100, valueBytes: 1 }, agent)
    agent.destroy()
    expect(result.ok).toBe(0)
    expect(result.errors).toBe(server.seen.length)
    expect(result.errors).toBeGreaterThan(0)
    expect(result.p50).toBeNaN()
  })

  it("counts a store that does not listen as errors, not as a crash", async () => {
    const server = await serve(200)
    const url = server.url
    await new Promise((resolve) => servers.pop()?.close(resolve))
    const agent = agentFor(1)
    const result = await runPhase({ target: kvnodeTarget(url), kind: "put", clients: 1, durationMs: 50, valueBytes: 1 }, agent)
    agent.destroy()
    expect(result.ok).toBe(0)
    expect(result.errors).toBeGreaterThan(0)
  })

  it("fills every key of every client once before measuring", async () => {
    const server = await serve(200)
    const agent = agentFor(3)
    expect(await fill(kvnodeTarget(server.url), 3, 4, agent)).toBe(0)
    agent.destroy()
    const expected = [0, 1, 2].flatMap((client) => Array.from({ length: 8 }, (_, i) => `/kv/${keyOf(client, i)}`))
    expect(server.seen.map((s) => s.url).sort()).toEqual(expected.sort())
  })
})

describe("etcd's v3 JSON gateway", () => {
  it("gets keys and values in base64, and a range without serializable (linearizable)", () => {
    const target = etcdTarget("http://127.0.0.1:2379")
    expect(target.put("k/ü", "v")).toEqual({ method: "POST", path: "/v3/kv/put", body: JSON.stringify({ key: Buffer.from("k/ü").toString("base64"), value: "dg==" }) })
    const range = target.get("k")
    expect(range.path).toBe("/v3/kv/range")
    expect(JSON.parse(range.body ?? "")).toEqual({ key: "aw==" })
  })
})

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 0.5)).toBe(50)
    expect(percentile(sorted, 0.99)).toBe(99)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNaN()
  })
})
