import os from "node:os"

/** A replica's last judged minute may exceed its first by this much before it counts as growth. */
const RSS_TOLERANCE = 0.1
/** kvsim's clients, as the reference's (docs/protocol.md). */
const CLIENTS = 8

const mean = (values) => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length)
const mib = (kb) => (kb === undefined ? "—" : (kb / 1024).toFixed(1))
const ms = (value) => (value === null || value === undefined ? "—" : value.toFixed(3))
const n = (value) => value.toLocaleString("en-US")
const signed = (value, digits) => `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`
const clock = (seconds) => `${Math.floor(Math.round(seconds) / 60)}:${String(Math.round(seconds) % 60).padStart(2, "0")}`
const idOf = (i) => i.toString(16).toUpperCase().padStart(4, "0")
const range = (from, to) => (from === to ? `minute ${from}` : `minutes ${from}–${to}`)

/** The largest put datagram a value of `bytes` makes: every other field at its longest, as kvsim's clients send it. */
export const putDatagramBytes = (bytes) =>
  Buffer.byteLength(JSON.stringify({ src: "FFFE", dst: "FFFE", leader: "FFFF", type: "put", MID: "M".repeat(16), key: "K".repeat(32), value: "v".repeat(bytes) }))

/** The least-squares slope of `points` ({ x, y }), or undefined when they do not span two x values. */
export const leastSquaresSlope = (points) => {
  const mx = mean(points.map((p) => p.x))
  const my = mean(points.map((p) => p.y))
  let sxy = 0
  let sxx = 0
  for (const { x, y } of points) {
    sxy += (x - mx) * (y - my)
    sxx += (x - mx) ** 2
  }
  return sxx === 0 ? undefined : sxy / sxx
}

/** The request-phase minute (1-based, as the timeline counts) a sample falls in; undefined during start_wait or after the run. */
const minuteOf = (timeline, atMs) => {
  const i = timeline.findIndex((w, k) => atMs >= w.fromMs && (atMs < w.toMs || (k === timeline.length - 1 && atMs <= w.toMs)))
  return i === -1 ? undefined : i + 1
}

/** Leader, follower, or changed: leader for part of the minute only, as the harness believed. */
const roleIn = (window, id) => (!window.leaders.includes(id) ? "follower" : window.leaders.length === 1 ? "leader" : "changed")

/**
 * The warm-up: minute 1 (start-up) and, when the clients' keys are capped, every minute up to
 * the last in which a key was first written, for until then the data itself grows. With keys
 * unbounded the data grows all run and that growth is judged with the rest.
 */
export const warmUpOf = (config, timeline) => {
  const lastGrowth = timeline.reduce((last, w, i) => (w.newKeys > 0 ? i + 1 : last), 0)
  const minutes = config.keys_per_client === undefined ? 1 : Math.max(1, lastGrowth)
  return { minutes, lastGrowth, dataStillGrowing: config.keys_per_client !== undefined && lastGrowth === timeline.length }
}

/**
 * Every replica's memory after the warm-up, against its own level: from the first minute after
 * both the warm-up and its last change of role (a leader holds more memory than a follower) to
 * its last sample, killed or not. Its last minute's mean against its first's, and the
 * least-squares slope of every sample in between, in MiB per minute of the request phase.
 * `samples`: { atS: seconds since kvsim started, replicas: { id: kB } }, `sampleEveryMs` apart.
 */
export const judgeMemory = ({ config, timeline, samples, sampleEveryMs }) => {
  const warmUp = warmUpOf(config, timeline)
  const perMinute = Math.round(60_000 / sampleEveryMs)
  const requestsFromMs = timeline[0]?.fromMs ?? 0
  const dated = samples.map((s) => ({ ...s, minute: minuteOf(timeline, s.atS * 1000) })).filter((s) => s.minute !== undefined)
  const lastSampleAt = Math.max(...dated.flatMap((s) => (Object.values(s.replicas).some(Number.isFinite) ? [s.atS] : [])))
  const replicas = Array.from({ length: config.replicas }, (_, i) => {
    const id = idOf(i)
    const own = dated.filter((s) => Number.isFinite(s.replicas[id]))
    const last = own.at(-1)
    const died = last !== undefined && lastSampleAt - last.atS > sampleEveryMs / 1000
    // The minute a replica is killed in shows its leadership passing on, which is no change of
    // its role while it lived: there its role is the one it started the minute in.
    const roleOf = (m) =>
      died && m === last.minute ? (timeline[m - 1].leaders[0] === id ? "leader" : "follower") : roleIn(timeline[m - 1], id)
    const observed = died ? last.minute : timeline.length
    let lastChange = 0
    for (let m = 1; m <= observed; m++) {
      const [before, role] = [m > 1 ? roleOf(m - 1) : undefined, roleOf(m)]
      if (role === "changed" || (before !== undefined && before !== "changed" && role !== before)) lastChange = m
    }
    const from = Math.max(warmUp.minutes, lastChange) + 1
    const judged = own.filter((s) => s.minute >= from)
    const base = { id, from, after: lastChange > warmUp.minutes ? `its role changed in minute ${lastChange}` : "the warm-up", died, samples: judged.length }
    if (judged.length < perMinute) {
      const killed = died ? `, killed in minute ${last.minute}` : ""
      const why = warmUp.dataStillGrowing
        ? `the data still grew in minute ${timeline.length}`
        : judged.length === 0
          ? `no sample after ${base.after}${killed}`
          : `${judged.length} sample(s) after ${base.after}${killed}, under a minute's`
      return { ...base, ok: true, note: `not judged: ${why}` }
    }
    const role = roleOf(from)
    const slope = leastSquaresSlope(judged.map((s) => ({ x: (s.atS * 1000 - requestsFromMs) / 60_000, y: s.replicas[id] / 1024 })))
    const to = judged.at(-1).minute
    const span = { ...base, to, role, slope }
    if (judged.length < 2 * perMinute) return { ...span, ok: true, note: "slope only: under two minutes of samples" }
    const first = mean(judged.slice(0, perMinute).map((s) => s.replicas[id]))
    const final = mean(judged.slice(-perMinute).map((s) => s.replicas[id]))
    const change = final / first - 1
    const ok = change <= RSS_TOLERANCE
    return { ...span, first, final, change, ok, note: ok ? "ok" : `grew over ${RSS_TOLERANCE * 100}%` }
  })
  return { warmUp, replicas }
}

/** Mean memory per request-phase minute, per replica and for kvsim. */
const memoryByMinute = (config, timeline, samples) => {
  const ids = Array.from({ length: config.replicas }, (_, i) => idOf(i))
  return timeline.map((_, m) => {
    const inMinute = samples.filter((s) => minuteOf(timeline, s.atS * 1000) === m + 1)
    const of = (pick) => mean(inMinute.map(pick).filter((kb) => Number.isFinite(kb)))
    return { replicas: Object.fromEntries(ids.map((id) => [id, of((s) => s.replicas[id])])), kvsim: of((s) => s.kvsim) }
  })
}

const dataText = (config) => {
  const values = config.max_value_bytes === undefined ? "MD5 values (32 bytes)" : `values of 32–${n(config.max_value_bytes)} bytes`
  const largestPut = `the largest put datagram ${n(putDatagramBytes(config.max_value_bytes ?? 32))} bytes`
  return config.keys_per_client === undefined
    ? `keys unbounded (SIMULATOR.md's workload: the data grows all run), ${values} (${largestPut})`
    : `at most ${n(config.keys_per_client)} keys per client (${n(config.keys_per_client * CLIENTS)} in all) and ${values} ` +
      `(kvsim's \`keys_per_client\` and \`max_value_bytes\`; ${largestPut})`
}

const incorrectText = (stats) =>
  stats.incorrectByReason.length === 0 ? "" : ` (${stats.incorrectByReason.map((r) => `${r.reason} ${n(r.count)}`).join(", ")})`

const judgedOver = (r) => {
  if (r.to === undefined) return "—"
  const end = r.died ? `, killed in minute ${r.to}` : ""
  return `${range(r.from, r.to)} (after ${r.after}${end})`
}

const replicaRow = (r) =>
  `| ${r.id} | ${judgedOver(r)} | ${r.role ?? "—"} | ${r.samples} | ${mib(r.first)} | ${mib(r.final)} | ` +
  `${r.change === undefined ? "—" : `${signed(r.change * 100, 1)}%`} | ${r.slope === undefined ? "—" : signed(r.slope, 2)} | ${r.note} |`

/**
 * The soak's verdict and its "Soak" section for BENCHMARKS.md, from the generated config, the
 * run kvsim reported (--json) and the memory samples ({ atS: seconds since kvsim started,
 * kvsim: kB, replicas: { id: kB } }).
 */
export const soakReport = ({ command, started, config, run, samples, sampleEveryMs }) => {
  const ids = Array.from({ length: config.replicas }, (_, i) => idOf(i))
  const memory = memoryByMinute(config, run.timeline, samples)
  const { warmUp, replicas } = judgeMemory({ config, timeline: run.timeline, samples, sampleEveryMs })
  const judged = replicas.filter((r) => r.change !== undefined).length
  const slopeOnly = replicas.filter((r) => r.change === undefined && r.slope !== undefined).length
  const memoryStable = replicas.every((r) => r.ok)
  const passed = run.correct && memoryStable
  const s = run.stats
  const keysWritten = run.timeline.reduce((sum, w) => sum + w.newKeys, 0)
  const growthText = warmUp.lastGrowth === 0 ? "none written" : `the last first written in minute ${warmUp.lastGrowth}`
  const section = `## Soak

\`${command}\` (scripts/soak.mjs) on ${started.toISOString().slice(0, 10)}:
nproc ${os.availableParallelism()} (${os.cpus()[0]?.model ?? "cpu"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
${config.replicas} \`./3700kvstore\` processes under kvsim's real mode for ${config.lifetime / 60} min at ${config.requests / config.lifetime} requests/s
(${n(config.requests)} requests, mix ${config.mix}), drops ${Math.round(config.drops * 100)}%, seed ${run.seed}, ${dataText(config)}; events
${config.events.map((e) => `${e.type} at ${clock(e.time)}`).join(", ")}.
Minutes count from the start of the request phase. **${passed ? "PASS" : "FAIL"}**: ${run.correct ? "every check passed" : "a check failed"}; ${n(keysWritten)} keys written, ${growthText}; ${memoryStable ? "no" : "a"} judged replica's memory grew by more than ${RSS_TOLERANCE * 100}% (${judged} of ${config.replicas} replicas judged${slopeOnly === 0 ? "" : `, ${slopeOnly} more by their slope only`}).

### Resident memory (VmRSS, MiB; mean of the minute's samples, one every ${sampleEveryMs / 1000} s)

| minute | ${ids.join(" | ")} | kvsim |
|---|${ids.map(() => "---|").join("")}---|
${memory.map((row, m) => `| ${m + 1} | ${ids.map((id) => mib(row.replicas[id])).join(" | ")} | ${mib(row.kvsim)} |`).join("\n")}

### Memory after the warm-up, by replica

The warm-up is ${range(1, warmUp.minutes)}: start-up${config.keys_per_client === undefined ? "" : " and every minute in which a key was first written"}. Each replica is judged from the
first minute after the warm-up and after its last change of role (leader or follower, as the harness
believed) to its last sample: the mean of its last minute of samples against its first's (growth over
${RSS_TOLERANCE * 100}% fails), and the least-squares slope of every one of those samples.

| replica | judged over | role | samples | first minute (MiB) | last minute (MiB) | change | slope (MiB/min) | verdict |
|---|---|---|---|---|---|---|---|---|
${replicas.map(replicaRow).join("\n")}

### Requests by minute (latency: first send to ok, redirects and retries included)

| minute | started | unanswered | answered | new keys | median (ms) | p99 (ms) | leader |
|---|---|---|---|---|---|---|---|
${run.timeline.map((w, i) => `| ${i + 1} | ${n(w.invoked)} | ${n(w.unanswered)} | ${n(w.answered)} | ${n(w.newKeys)} | ${ms(w.medianMs)} | ${ms(w.p99Ms)} | ${w.leaders.join(" → ") || "none"} |`).join("\n")}

### Totals and checks

- requests: ${n(s.gets.generated)} gets, ${n(s.puts.generated)} puts, ${n(s.keysStored)} keys stored; failures ${n(s.failures)} (fail responses ${n(s.gets.failed + s.puts.failed)}, unanswered ${n(s.gets.unanswered + s.puts.unanswered)}), duplicates ${n(s.duplicates)}, incorrect ${n(s.incorrect)}${incorrectText(s)}, redirects ${n(s.redirects)}
${s.incorrectExamples.map((e) => `- incorrect at ${(e.atMs / 1000).toFixed(1)} s from ${e.from} (${e.reason}): \`${e.datagram}\`\n`).join("")}- replica messages: ${n(s.totalMsgs)} (${n(s.droppedMsgs)} dropped, ${n(s.blockedMsgs)} blocked by partitions); leaders ${s.leaders.join(" → ")}; killed ${s.killed.join(", ") || "none"}, died ${s.died.join(", ") || "none"}
- latency over every response: median ${ms(s.latency?.medianMs)} ms, p99 ${ms(s.latency?.p99Ms)} ms (${n(s.latency?.samples ?? 0)} samples)
${run.checks.map((c) => `- ${c.passed ? "pass" : "FAIL"}: ${c.id} (${c.detail})`).join("\n")}
`
  return { section, passed }
}
