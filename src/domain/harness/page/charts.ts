import type { History, Operation } from "../../history/operation.ts"
import type { MessageRecord, TraceEvent } from "../trace.ts"
import { axes, escapeHtml, frame, linear, logarithmic, polyline, svg } from "./svg.ts"

/*
 * The report page's charts, each a function of the run's records to one SVG. Times on the
 * x axes are seconds from the start of the run, as in the artifacts.
 */

const WIDE = 900
const seconds = (ms: number): number => ms / 1000
const latencyOf = (op: Operation): number | undefined => (op.outcome._tag === "Ok" ? op.outcome.respondedAt - op.invokedAt : undefined)
const msLabel = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`)

/** Partitions (shaded until their heal) and kills (a dashed line), drawn behind a time chart. */
const faults = (events: ReadonlyArray<TraceEvent>, x: (s: number) => number, top: number, bottom: number, endMs: number): string => {
  const parts: Array<string> = []
  let partitionFrom: number | undefined
  const shade = (fromMs: number, toMs: number): void => {
    parts.push(`<rect class="partition" x="${x(seconds(fromMs)).toFixed(1)}" y="${top}" width="${Math.max(1, x(seconds(toMs)) - x(seconds(fromMs))).toFixed(1)}" height="${bottom - top}"><title>partition</title></rect>`)
  }
  for (const event of events) {
    if (event.kind === "partition") partitionFrom = event.atMs
    if (event.kind === "heal" && partitionFrom !== undefined) {
      shade(partitionFrom, event.atMs)
      partitionFrom = undefined
    }
    if (event.kind === "kill") {
      const px = x(seconds(event.atMs)).toFixed(1)
      parts.push(`<line class="kill" x1="${px}" y1="${top}" x2="${px}" y2="${bottom}"><title>kill ${escapeHtml(event.replica)}</title></line>`)
      parts.push(`<text class="kill-label" x="${px}" y="${top + 10}">kill ${escapeHtml(event.replica)}</text>`)
    }
  }
  if (partitionFrom !== undefined) shade(partitionFrom, endMs)
  return parts.join("")
}

/** Every operation's latency against the time it was invoked, gets and puts apart, faults behind; unanswered ones as marks along the top. */
export const latencyOverTime = (history: History, events: ReadonlyArray<TraceEvent>, endMs: number): string => {
  const f = frame(WIDE, 320)
  const x = linear(0, seconds(endMs), f.left, f.width - f.right, (s) => `${s}`)
  const answered = history.flatMap((op) => {
    const latency = latencyOf(op)
    return latency === undefined ? [] : [{ op, latency }]
  })
  const most = Math.max(10, ...answered.map((a) => a.latency))
  const y = logarithmic(0.1, most, f.height - f.bottom, f.top + 14, msLabel)
  const dots = answered
    .map(({ latency, op }) => `<circle class="${op.kind}" cx="${x(seconds(op.invokedAt)).toFixed(1)}" cy="${y(latency).toFixed(1)}" r="2"><title>${op.kind} ${escapeHtml(op.key.slice(0, 12))}: ${latency.toFixed(2)} ms</title></circle>`)
    .join("")
  const lost = history
    .filter((op) => op.outcome._tag !== "Ok")
    .map((op) => `<line class="unanswered" x1="${x(seconds(op.invokedAt)).toFixed(1)}" y1="${f.top}" x2="${x(seconds(op.invokedAt)).toFixed(1)}" y2="${f.top + 10}"><title>${op.kind} never answered</title></line>`)
    .join("")
  const leaders = events
    .filter((e): e is Extract<TraceEvent, { kind: "leader" }> => e.kind === "leader" && e.leader !== null)
    .map((e) => `<text class="leader" x="${x(seconds(e.atMs)).toFixed(1)}" y="${f.height - f.bottom - 3}">${escapeHtml(e.leader ?? "")}</text>`)
    .join("")
  const body = faults(events, x, f.top, f.height - f.bottom, endMs) + axes(f, x, y, "seconds from the start of the run", "latency") + dots + lost + leaders
  return svg(f, body, "latency of every operation over time")
}

/** The fraction of answered gets and of puts at or below each latency. */
export const latencyCdf = (history: History): string => {
  const f = frame(440, 280)
  const of = (kind: "get" | "put") =>
    history.filter((op) => op.kind === kind).flatMap((op) => {
      const latency = latencyOf(op)
      return latency === undefined ? [] : [latency]
    }).sort((a, b) => a - b)
  const gets = of("get")
  const puts = of("put")
  const most = Math.max(10, ...gets, ...puts)
  const x = logarithmic(0.1, most, f.left, f.width - f.right, msLabel)
  const y = linear(0, 1, f.height - f.bottom, f.top, (v) => `${Math.round(v * 100)}%`)
  const curve = (sorted: ReadonlyArray<number>) => sorted.map((latency, i) => [x(latency), y((i + 1) / sorted.length)] as const)
  return svg(f, axes(f, x, y, "latency", "answered") + polyline(curve(gets), "get-line") + polyline(curve(puts), "put-line"), "latency CDF of gets and puts")
}

const KINDS: ReadonlyArray<readonly [string, (m: MessageRecord) => boolean]> = [
  ["append", (m) => m.type === "append"],
  ["appended", (m) => m.type === "appended"],
  ["election", (m) => m.type === "vote" || m.type === "voted"],
  ["other replica", (m) => !["append", "appended", "vote", "voted", "get", "put", "ok", "redirect", "fail", "hello"].includes(m.type)],
  ["client", (m) => ["get", "put", "ok", "redirect", "fail"].includes(m.type)],
  ["dropped or blocked", (m) => m.fate === "dropped" || m.fate === "blocked"]
]

/** Datagrams per second, by kind, and how many of them were lost. */
export const messagesPerSecond = (messages: ReadonlyArray<MessageRecord>, endMs: number): string => {
  const f = frame(WIDE, 260)
  const buckets = Math.max(1, Math.ceil(seconds(endMs)))
  const counts = KINDS.map(([, test]) => {
    const perSecond = new Array<number>(buckets).fill(0)
    for (const m of messages) {
      if (!test(m)) continue
      const s = Math.min(buckets - 1, Math.floor(seconds(m.atMs)))
      perSecond[s] = (perSecond[s] ?? 0) + 1
    }
    return perSecond
  })
  const most = Math.max(10, ...counts.flat())
  const x = linear(0, buckets, f.left, f.width - f.right, (s) => `${s}`)
  const y = linear(0, most, f.height - f.bottom, f.top)
  const lines = counts.map((perSecond, k) => polyline(perSecond.map((count, s) => [x(s + 0.5), y(count)] as const), `kind${k}`)).join("")
  return svg(f, axes(f, x, y, "seconds from the start of the run", "datagrams per second") + lines, "datagrams per second by kind")
}

export const messageKindNames: ReadonlyArray<string> = KINDS.map(([name]) => name)

/**
 * A violation's witness, drawn as Porcupine draws one: the operations on the key, a row per
 * client, each a bar from invocation to answer (to the end of the chart if never answered),
 * labelled with what it wrote or read. No order of these bars can explain the reads.
 */
export const witness = (operations: ReadonlyArray<Operation>): string => {
  const clients = [...new Set(operations.map((op) => op.client))].sort()
  const row = 34
  const f = { ...frame(WIDE, 40 + row * clients.length), left: 70 }
  const start = Math.min(...operations.map((op) => op.invokedAt))
  const end = Math.max(...operations.map((op) => (op.outcome._tag === "Ok" ? op.outcome.respondedAt : op.invokedAt)))
  const span = Math.max(end - start, 1)
  const x = linear(0, span * 1.15, f.left, f.width - f.right, (ms) => `${ms}`)
  const bars = operations
    .map((op) => {
      const y0 = f.top + clients.indexOf(op.client) * row
      const from = x(op.invokedAt - start)
      const to = op.outcome._tag === "Ok" ? x(op.outcome.respondedAt - start) : f.width - f.right
      const text =
        op.kind === "put"
          ? `put ${(op.value ?? "").slice(0, 8)}`
          : `get → ${op.outcome._tag === "Ok" ? (op.outcome.value ?? "absent").slice(0, 8) : "?"}`
      return `<rect class="op-${op.kind}" x="${from.toFixed(1)}" y="${y0}" width="${Math.max(3, to - from).toFixed(1)}" height="${row - 10}"><title>#${op.id} ${escapeHtml(text)}</title></rect><text x="${(from + 3).toFixed(1)}" y="${y0 + row / 2}">${escapeHtml(text)}</text>`
    })
    .join("")
  const labels = clients.map((client, i) => `<text x="${f.left - 6}" y="${f.top + i * row + row / 2}" text-anchor="end">${escapeHtml(client)}</text>`).join("")
  const xAxis = `<line class="axis" x1="${f.left}" y1="${f.height - f.bottom}" x2="${f.width - f.right}" y2="${f.height - f.bottom}"/>`
  const ticks = x.ticks.map((t) => `<text x="${x(t).toFixed(1)}" y="${f.height - f.bottom + 15}" text-anchor="middle">+${Math.round(t)} ms</text>`).join("")
  return svg(f, labels + bars + xAxis + ticks, "operations of the violating key, per client")
}
