// Runs the course's own simulator ("the reference", a Python 3 program whose path the caller
// gives: it is never copied into or required by this project) on one config and parses what it
// prints, and puts a kvsim run's numbers in the same shape, under the reference's definitions,
// so the two can be compared field by field. Used by scripts/calibrate.mjs and scripts/bench.mjs.
// Node's standard library only.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"

/** The reference's four performance tests, in the order it prints them. */
export const TIER_METRICS = ["total_msgs", "failures", "duplicates", "median_latency"]
export const TIER_NAMES = ["bonus", "full", "partial", "none"]

const PERF_LABELS = {
  "Total Messages Between Replicas": "total_msgs",
  "Total Failures and Unanswered Requests": "failures",
  "Duplicate Responses to Clients": "duplicates",
  "Median Response Latency to Clients": "median_latency"
}
const TIER_OF = [
  [/Bonus!/, 0],
  [/Full credit/, 1],
  [/Partial credit/, 2],
  [/No credit/, 3]
]

const ANSI = /\x1b\[[0-9;]*m/g
const NUMBER = "([-+0-9.eE]+|inf|nan)"

export class ReferenceParseError extends Error {}

const tail = (text, lines = 25) => (text ?? "").trimEnd().split("\n").slice(-lines).join("\n")

/**
 * The numbers of one reference run, from its stdout (`run -s <config>`, one config). Throws a
 * ReferenceParseError naming the missing line when the output is not a finished single run.
 *
 * Definitions are the reference's own: `redirects` counts redirect AND fail responses (its
 * Client.deliver adds one for either), `failedResponses` the fail responses alone, `failures`
 * fail responses plus unanswered requests (its graded "failures" metric).
 */
export const parseReferenceOutput = (stdout) => {
  const lines = stdout.replace(ANSI, "").split("\n").map((line) => line.trim())
  const find = (re) => {
    for (const line of lines) {
      const match = re.exec(line)
      if (match !== null) return match
    }
    return undefined
  }
  const need = (re, what) => {
    const match = find(re)
    if (match === undefined) throw new ReferenceParseError(`no "${what}" line in the reference's output`)
    return match
  }
  const num = (text) => Number(text)

  const [, died, killed] = need(/^Replicas that died\/were killed: (\d+)\/(\d+)$/, "Replicas that died/were killed")
  const [, totalMsgs] = need(/^Total messages sent: (\d+)$/, "Total messages sent")
  const [, droppedMsgs] = need(/^Total messages dropped: (\d+)$/, "Total messages dropped")
  const blocked = find(/^Total messages blocked by full sockets: (\d+)$/)
  const [, getsSent, putsSent] = need(/^Total client get\(\)\/put\(\) requests: (\d+)\/(\d+)$/, "Total client get()/put() requests")
  const [, duplicates] = need(/^Total duplicate responses: (\d+)$/, "Total duplicate responses")
  const [, unansweredGets, unansweredPuts] = need(
    /^Total unanswered get\(\)\/put\(\) requests: (\d+)\/(\d+)$/,
    "Total unanswered get()/put() requests"
  )
  const [, redirects] = need(/^Total redirects: (\d+)$/, "Total redirects")
  const [, failedGets, failedPuts] = need(/^Total get\(\)\/put\(\) failures: (\d+)\/(\d+)$/, "Total get()/put() failures")
  const [, incorrect] = need(/^Total get\(\) with incorrect response: (\d+)$/, "Total get() with incorrect response")
  // Absent when no client ever got a response.
  const latency = find(new RegExp(`^Mean/Median query latency: ${NUMBER}sec/${NUMBER}sec$`))
  const leaders = find(/^Leaders:(.*)$/)

  const checksAt = lines.indexOf("## Correctness Checks")
  if (checksAt === -1) throw new ReferenceParseError(`no "## Correctness Checks" heading in the reference's output`)
  const perfAt = lines.findIndex((line, i) => i > checksAt && (line === "## Performance Tests" || line.startsWith("## Correctness Checks Failed")))
  const checkLines = lines.slice(checksAt + 1, perfAt === -1 ? undefined : perfAt)
  const passed = checkLines.includes("All correctness tests passed")
  const errors = checkLines.filter((line) => line.startsWith("Error:"))
  if (!passed && errors.length === 0) throw new ReferenceParseError("the reference printed neither \"All correctness tests passed\" nor an \"Error:\" line")

  let tiers = null
  let perfValues = null
  if (passed) {
    tiers = {}
    perfValues = {}
    for (const line of lines.slice(perfAt + 1)) {
      const match = new RegExp(`^(.+?): ${NUMBER} (<|>=) ${NUMBER}, (.*)$`).exec(line)
      const metric = match === null ? undefined : PERF_LABELS[match[1]]
      if (metric === undefined) continue
      const tier = TIER_OF.find(([re]) => re.test(match[5]))
      if (tier === undefined) throw new ReferenceParseError(`unknown performance result in "${line}"`)
      tiers[metric] = tier[1]
      perfValues[metric] = num(match[2])
    }
    const missing = TIER_METRICS.filter((m) => tiers[m] === undefined)
    if (missing.length > 0) throw new ReferenceParseError(`the reference passed correctness but printed no performance line for ${missing.join(", ")}`)
  }

  const fg = num(failedGets)
  const fp = num(failedPuts)
  const ug = num(unansweredGets)
  const up = num(unansweredPuts)
  return {
    harness: "reference",
    correct: passed,
    correctnessErrors: errors,
    // "*** Simulator Error - ..." lines (packet storm, blocked sockets, unexpected MIDs, ...).
    simulatorErrors: lines.filter((line) => line.startsWith("*** Simulator Error")),
    leaders: leaders === undefined ? [] : leaders[1].trim().split(/\s+/).filter((id) => id !== ""),
    died: num(died),
    killed: num(killed),
    totalMsgs: num(totalMsgs),
    droppedMsgs: num(droppedMsgs),
    blockedMsgs: blocked === undefined ? null : num(blocked[1]),
    requestsSent: num(getsSent) + num(putsSent),
    requestsSentByKind: { gets: num(getsSent), puts: num(putsSent) },
    redirects: num(redirects),
    failedResponses: fg + fp,
    failedGets: fg,
    failedPuts: fp,
    unanswered: ug + up,
    unansweredGets: ug,
    unansweredPuts: up,
    failures: fg + fp + ug + up,
    duplicates: num(duplicates),
    incorrect: num(incorrect),
    meanLatencyMs: latency === undefined ? null : num(latency[1]) * 1000,
    medianLatencyMs: latency === undefined ? null : num(latency[2]) * 1000,
    tiers,
    perfValues
  }
}

/** Seconds the reference runs a config for: lifetime plus its start and end waits (defaults 5 and 2). */
const runSeconds = (configPath) => {
  try {
    const conf = JSON.parse(readFileSync(configPath, "utf8"))
    return Number(conf.lifetime ?? 60) + Number(conf.start_wait ?? 5) + Number(conf.end_wait ?? 2)
  } catch {
    return 120
  }
}

/**
 * Runs the reference once: `python3 <reference> --replica <abs replica> -s <abs config>` with a
 * fresh temporary directory as working directory (the reference unlinks files named after
 * replica ids in its cwd), and returns parseReferenceOutput's numbers plus the config name and
 * wall time. Throws an Error with the tail of stdout and stderr when the reference cannot be
 * started, times out, or prints something that cannot be parsed.
 */
export const runReference = ({ reference, replica, config, python = "python3" }) => {
  const ref = path.resolve(reference)
  const conf = path.resolve(config)
  const cwd = mkdtempSync(path.join(os.tmpdir(), "kvsim-reference-"))
  const started = Date.now()
  let result
  try {
    result = spawnSync(python, [ref, "--replica", path.resolve(replica), "-s", conf], {
      cwd,
      encoding: "utf8",
      maxBuffer: 1 << 28,
      timeout: (runSeconds(conf) + 120) * 1000,
      // SIGINT, not SIGTERM: Python then runs its atexit hook, which kills the replicas (each in
      // a session of its own, so they would outlive a SIGTERMed reference).
      killSignal: "SIGINT"
    })
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
  const context = () =>
    `\n--- reference stdout (tail) ---\n${tail(result.stdout)}\n--- reference stderr (tail) ---\n${tail(result.stderr)}`
  const name = path.basename(conf, ".json")
  if (result.error !== undefined) {
    throw new Error(`reference on ${name}: ${result.error.code === "ETIMEDOUT" ? "timed out" : result.error.message}${context()}`)
  }
  if (result.status !== 0) throw new Error(`reference on ${name} exited with ${result.status ?? result.signal}${context()}`)
  try {
    return { name, wallMs: Date.now() - started, ...parseReferenceOutput(result.stdout) }
  } catch (error) {
    if (error instanceof ReferenceParseError) throw new Error(`reference on ${name}: ${error.message}${context()}`)
    throw error
  }
}

/**
 * A kvsim run (one element of `kvsim run --json`'s `runs`) in parseReferenceOutput's shape and
 * under the reference's definitions, which kvsim now uses (docs/calibration.md): "redirects"
 * counts redirect and fail responses. Tiers are null for an incorrect run, as the reference
 * prints none then.
 */
export const kvsimAsReference = (run) => {
  const s = run.stats
  const metric = (name) => run.performance.find((m) => m.name === name)
  return {
    harness: "kvsim",
    name: run.name,
    seed: run.seed,
    wallMs: run.durationMs,
    correct: run.correct,
    correctnessErrors: run.checks.filter((c) => !c.passed).map((c) => `${c.id}: ${c.detail}`),
    endedBy: run.endedBy,
    leaders: s.leaders,
    died: s.died.length,
    killed: s.killed.length,
    totalMsgs: s.totalMsgs,
    droppedMsgs: s.droppedMsgs,
    blockedMsgs: s.blockedMsgs,
    requestsSent: s.requestsSent,
    redirects: s.redirects,
    failedResponses: s.gets.failed + s.puts.failed,
    failedGets: s.gets.failed,
    failedPuts: s.puts.failed,
    unanswered: s.gets.unanswered + s.puts.unanswered,
    unansweredGets: s.gets.unanswered,
    unansweredPuts: s.puts.unanswered,
    failures: s.failures,
    duplicates: s.duplicates,
    incorrect: s.incorrect,
    meanLatencyMs: s.latency?.meanMs ?? null,
    medianLatencyMs: s.latency?.medianMs ?? null,
    tiers: run.correct ? Object.fromEntries(TIER_METRICS.map((m) => [m, metric(m)?.tier])) : null,
    kvsimTiers: Object.fromEntries(TIER_METRICS.map((m) => [m, metric(m)?.tier])),
    perfValues: Object.fromEntries(TIER_METRICS.map((m) => [m, metric(m)?.value ?? null]))
  }
}
