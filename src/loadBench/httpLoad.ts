import { Agent, request } from "node:http"
import type { HttpCall, LoadTarget } from "./loadTarget.ts"

export type PhaseKind = "put" | "get"

export interface PhaseOptions {
  readonly target: LoadTarget
  readonly kind: PhaseKind
  /** Concurrent clients, each with one request in flight at a time (a closed loop). */
  readonly clients: number
  readonly durationMs: number
  readonly valueBytes: number
  /** A request not answered within this long counts as an error and is abandoned. */
  readonly timeoutMs?: number
}

export interface PhaseResult {
  readonly kind: PhaseKind
  readonly clients: number
  /** Requests answered with a 2xx status. */
  readonly ok: number
  readonly errors: number
  /** From the first request to the last answer; throughput is `ok / seconds`. */
  readonly seconds: number
  /** Milliseconds, over the answered requests. */
  readonly p50: number
  readonly p99: number
}

const KEYS_PER_CLIENT = 8
const DEFAULT_TIMEOUT_MS = 10_000

export const keyOf = (client: number, index: number) => `bench-c${client}-k${index % KEYS_PER_CLIENT}`

/** The value at rank ⌈q·n⌉ of the sorted samples (nearest rank), or NaN for no samples. */
export const percentile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN)

const send = (agent: Agent, base: URL, call: HttpCall, timeoutMs: number): Promise<number> =>
  new Promise((resolve) => {
    const headers: Record<string, string | number> =
      call.body === undefined ? {} : { "content-type": call.method === "POST" ? "application/json" : "text/plain; charset=utf-8", "content-length": Buffer.byteLength(call.body) }
    const outgoing = request({ host: base.hostname, port: base.port, method: call.method, path: call.path, headers, agent }, (response) => {
      response.resume()
      response.once("end", () => resolve(response.statusCode ?? 0))
      response.once("error", () => resolve(0))
    })
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    outgoing.once("error", () => resolve(0))
    outgoing.end(call.body)
  })

const succeeded = (status: number) => status >= 200 && status < 300

/**
 * Writes every key of every client once, unmeasured, so that a get phase reads keys
 * that exist and both stores start the measured phase with warm connections. Resolves to the
 * number of writes that failed.
 */
export const fill = async (target: LoadTarget, clients: number, valueBytes: number, agent: Agent): Promise<number> => {
  const base = new URL(target.url)
  const value = "v".repeat(valueBytes)
  let failed = 0
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let index = 0; index < KEYS_PER_CLIENT; index++) {
        if (!succeeded(await send(agent, base, target.put(keyOf(client, index), value), DEFAULT_TIMEOUT_MS))) failed++
      }
    })
  )
  return failed
}

/**
 * A closed-loop load: `clients` workers, each sending its next request as soon as the last is
 * answered, until the duration is over. Every worker has its own keys, so puts never contend on
 * a key and gets read what that worker's fill wrote.
 */
export const runPhase = async (options: PhaseOptions, agent: Agent): Promise<PhaseResult> => {
  const base = new URL(options.target.url)
  const value = "v".repeat(options.valueBytes)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const latencies: Array<number> = []
  let errors = 0
  const started = performance.now()
  const deadline = started + options.durationMs
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let index = 0; performance.now() < deadline; index++) {
        const key = keyOf(client, index)
        const call = options.kind === "put" ? options.target.put(key, value) : options.target.get(key)
        const sent = performance.now()
        const status = await send(agent, base, call, timeoutMs)
        if (succeeded(status)) latencies.push(performance.now() - sent)
        else errors++
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return { kind: options.kind, clients: options.clients, ok: latencies.length, errors, seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }
}

/** One keep-alive connection per client, so that no request waits for a socket. */
export const agentFor = (clients: number) => new Agent({ keepAlive: true, maxSockets: clients })
