import os from "node:os"

/** Last-minute memory may exceed second-minute memory by this much before it counts as growth. */
const RSS_TOLERANCE = 0.1

const mean = (values) => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length)
const mib = (kb) => (kb === undefined ? "—" : (kb / 1024).toFixed(1))
const ms = (value) => (value === null || value === undefined ? "—" : value.toFixed(3))
const n = (value) => value.toLocaleString("en-US")
const clock = (seconds) => `${Math.floor(Math.round(seconds) / 60)}:${String(Math.round(seconds) % 60).padStart(2, "0")}`
const idOf = (i) => i.toString(16).toUpperCase().padStart(4, "0")

/** Mean memory per request-phase minute, per replica and for kvsim; start_wait samples count in none, end_wait ones in the last. */
const memoryByMinute = (config, samples, minutes) => {
  const ids = Array.from({ length: config.replicas }, (_, i) => idOf(i))
  const minuteOf = (atS) => (atS < config.start_wait ? undefined : Math.min(minutes, Math.floor((atS - config.start_wait) / 60) + 1))
  return Array.from({ length: minutes }, (_, m) => {
    const inMinute = samples.filter((s) => minuteOf(s.atS) === m + 1)
    const of = (pick) => mean(inMinute.map(pick).filter((kb) => Number.isFinite(kb)))
    return { replicas: Object.fromEntries(ids.map((id) => [id, of((s) => s.replicas[id])])), kvsim: of((s) => s.kvsim) }
  })
}

/**
 * Did a replica's memory grow from the second minute (the first holds start-up) to the last?
 * A leader holds more memory than a follower, so only a replica that kept its role across both
 * minutes is judged.
 */
const growthOf = (id, memory, timeline) => {
  const last = memory.length
  if (last < 3) return { verdict: "n/a (needs 3 minutes or more)", ok: true }
  const [baseline, final] = [memory[1].replicas[id], memory[last - 1].replicas[id]]
  if (baseline === undefined || final === undefined) return { verdict: "n/a (killed)", ok: true }
  const roleIn = (minute) => {
    const leaders = timeline[minute - 1]?.leaders ?? []
    return !leaders.includes(id) ? "follower" : leaders.length === 1 ? "leader" : "changed"
  }
  const roleText = (minute) => (roleIn(minute) === "changed" ? `leader for part of minute ${minute}` : `${roleIn(minute)} in minute ${minute}`)
  if (roleIn(2) !== roleIn(last) || roleIn(2) === "changed") return { verdict: `n/a (${roleText(2)}, ${roleText(last)})`, ok: true }
  const change = final / baseline - 1
  const ok = change <= RSS_TOLERANCE
  return { verdict: `${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)}% (${ok ? "ok" : "grew over 10%"})`, ok }
}

const keysText = (config) =>
  config.keys_per_client === undefined
    ? "keys unbounded (SIMULATOR.md's workload: the data grows all run)"
    : `at most ${n(config.keys_per_client)} keys per client (kvsim's \`keys_per_client\`: the data stops growing)`

/**
 * The soak's verdict and its "Soak" section for BENCHMARKS.md, from the generated config, the
 * run kvsim reported (--json) and the memory samples ({ atS: seconds since kvsim started,
 * kvsim: kB, replicas: { id: kB } }).
 */
export const soakReport = ({ command, started, config, run, samples, sampleEveryMs }) => {
  const ids = Array.from({ length: config.replicas }, (_, i) => idOf(i))
  const memory = memoryByMinute(config, samples, run.timeline.length)
  const growth = ids.map((id) => ({ id, ...growthOf(id, memory, run.timeline) }))
  const memoryStable = growth.every((g) => g.ok)
  const passed = run.correct && memoryStable
  const s = run.stats
  const section = `## Soak

\`${command}\` (scripts/soak.mjs) on ${started.toISOString().slice(0, 10)}:
nproc ${os.availableParallelism()} (${os.cpus()[0]?.model ?? "cpu"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.
${config.replicas} \`./3700kvstore\` processes under kvsim's real mode for ${config.lifetime / 60} min at ${config.requests / config.lifetime} requests/s
(${n(config.requests)} requests, mix ${config.mix}), drops ${Math.round(config.drops * 100)}%, seed ${run.seed}, ${keysText(config)}; events
${config.events.map((e) => `${e.type} at ${clock(e.time)}`).join(", ")}.
Minutes count from the start of the request phase. **${passed ? "PASS" : "FAIL"}**: ${run.correct ? "every check passed" : "a check failed"}, ${memoryStable ? "no replica's memory grew by more than 10%" : "a replica's memory grew by more than 10%"}.

### Resident memory (VmRSS, MiB; mean of the minute's samples, one every ${sampleEveryMs / 1000} s)

| minute | ${ids.join(" | ")} | kvsim |
|---|${ids.map(() => "---|").join("")}---|
${memory.map((row, m) => `| ${m + 1} | ${ids.map((id) => mib(row.replicas[id])).join(" | ")} | ${mib(row.kvsim)} |`).join("\n")}

Last minute against the second (for a replica that kept its role): ${growth.map((g) => `${g.id} ${g.verdict}`).join("; ")}.

### Requests by minute (latency: first send to ok, redirects and retries included)

| minute | started | unanswered | answered | median (ms) | p99 (ms) | leader |
|---|---|---|---|---|---|---|
${run.timeline.map((w, i) => `| ${i + 1} | ${n(w.invoked)} | ${n(w.unanswered)} | ${n(w.answered)} | ${ms(w.medianMs)} | ${ms(w.p99Ms)} | ${w.leaders.join(" → ") || "none"} |`).join("\n")}

### Totals and checks

- requests: ${n(s.gets.generated)} gets, ${n(s.puts.generated)} puts, ${n(s.keysStored)} keys stored; failures ${n(s.failures)} (fail responses ${n(s.gets.failed + s.puts.failed)}, unanswered ${n(s.gets.unanswered + s.puts.unanswered)}), duplicates ${n(s.duplicates)}, incorrect ${n(s.incorrect)}, redirects ${n(s.redirects)}
- replica messages: ${n(s.totalMsgs)} (${n(s.droppedMsgs)} dropped, ${n(s.blockedMsgs)} blocked by partitions); leaders ${s.leaders.join(" → ")}; killed ${s.killed.join(", ") || "none"}, died ${s.died.join(", ") || "none"}
- latency over every response: median ${ms(s.latency?.medianMs)} ms, p99 ${ms(s.latency?.p99Ms)} ms (${n(s.latency?.samples ?? 0)} samples)
${run.checks.map((c) => `- ${c.passed ? "pass" : "FAIL"}: ${c.id} (${c.detail})`).join("\n")}
`
  return { section, passed }
}
