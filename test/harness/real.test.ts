import { chmodSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { formatScorecard } from "../../src/domain/harness/report.ts"
import { runReal } from "../../src/harness/real.ts"
import { STOP_GRACE_MS } from "../../src/harness/replicaProcess.ts"
import { childrenOf } from "../support/processes.ts"
import { testConfig } from "./scripted.ts"

const fixture = fileURLToPath(new URL("../fixtures/scriptedReplica.mjs", import.meta.url))
const deafFixture = fileURLToPath(new URL("../fixtures/sigtermIgnoringReplica.mjs", import.meta.url))

/**
 * Before the first request every replica must have said hello, or the harness takes it for dead
 * as the reference does; starting three Node processes takes seconds on a loaded 2-core machine.
 */
const START_WAIT_S = 3

/** A short run of three scripted replicas: time to start, 1 s of requests, 0.5 s to drain. */
const shortRun = (() => {
  const base = testConfig({ replicas: 3, requests: 20, mix: 0.5, lifetime: 1, start_wait: START_WAIT_S, end_wait: 0.5 })
  return { ...base, tests: { ...base.tests, maximum_get_generation_fail_fraction: 1 } }
})()

const replicasLeft = (path: string) => childrenOf(process.pid).filter((child) => child.args.includes(path))

describe("real mode: processes over UDP on localhost", () => {
  it.live("runs a short config against a scripted replica program and passes correctness", () =>
    Effect.gen(function* () {
      // Git keeps the mode bit, but a copy made some other way may not have it.
      chmodSync(fixture, 0o755)
      const base = testConfig({
        replicas: 3,
        requests: 50,
        mix: 0.5,
        lifetime: 2,
        start_wait: START_WAIT_S,
        end_wait: 0.5,
        events: [{ type: "kill_non_leader", time: 1 }]
      })
      // 50 requests over 8 clients: a client's first draw is a get (which fails to generate) too often for 10%.
      const config = { ...base, tests: { ...base.tests, maximum_get_generation_fail_fraction: 1 } }
      const progress: Array<number> = []
      const result = yield* runReal(config, {
        seed: 3,
        name: "e2e",
        replicaPath: fixture,
        onProgress: (p) => progress.push(p.requestsStarted)
      })
      const s = result.stats
      expect(result.checks.filter((c) => !c.passed)).toEqual([])
      expect(result.correct).toBe(true)
      expect(s.incorrect).toBe(0)
      expect(s.gets.generated + s.puts.generated).toBe(50)
      expect(s.gets.unanswered + s.puts.unanswered).toBe(0)
      // The puts sent: those drawn, and the gets drawn before their client had a key
      // (puts.generated counts only the former, as the reference does).
      const puts = result.history.filter((op) => op.kind === "put").length
      expect(puts).toBe(s.puts.generated + s.gets.failedToGenerate)
      // Each put: a broadcast to the 2 others (2) and their acks (2 before the kill, 1 after).
      expect(s.totalMsgs).toBeGreaterThan(3 * puts)
      expect(s.totalMsgs).toBeLessThan(4 * puts)
      expect(s.leaders).toEqual(["0000"])
      expect(s.killed).toHaveLength(1)
      expect(["0001", "0002"]).toContain(s.killed[0])
      // The killed replica's exit is not a crash.
      expect(s.died).toEqual([])
      // At the loop's first wake-up at or past the end: a datagram, or 100 ms of quiet, wakes it;
      // the rest of the second allows for a late timer on a loaded machine.
      const endMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
      expect(result.endedBy).toBe("time")
      expect(result.durationMs).toBeGreaterThanOrEqual(endMs)
      expect(result.durationMs).toBeLessThan(endMs + 1_000)
      if (process.platform === "linux") {
        expect(result.replicaCpu?.perRequestUs).toBeCloseTo(((result.replicaCpu?.totalMs ?? NaN) * 1000) / s.requestsSent)
      }
      expect(progress.length).toBeGreaterThanOrEqual(2)
    })
  )

  it.live("reports a replica that dies with its exit code, the time and the last lines of its stderr", () =>
    Effect.gen(function* () {
      const crashing = fileURLToPath(new URL("../fixtures/crashingReplica.mjs", import.meta.url))
      chmodSync(crashing, 0o755)
      // Requests would start a minute in: the replicas exit long before, however slowly they start.
      const longWait = testConfig({ replicas: 3, requests: 20, start_wait: 60, lifetime: 60, end_wait: 1 })
      const result = yield* runReal(longWait, { seed: 1, name: "crash", replicaPath: crashing })
      expect(result.stats.exits).toHaveLength(3)
      // The run ends at the last exit instead of waiting out the configured two minutes.
      expect(result.endedBy).toBe("every replica exited")
      expect(result.durationMs).toBeGreaterThanOrEqual(Math.max(...result.stats.exits.map((exit) => exit.atMs)))
      expect(result.durationMs).toBeLessThan(longWait.start_wait * 1000)
      for (const exit of result.stats.exits) {
        expect(exit.how).toBe("code 3")
        expect(exit.stderrTail).toEqual(["starting replica", "Traceback (most recent call last):", "  KeyError: 'leader'"])
      }
      // Played out as the reference would: every request goes to a replica that never said hello.
      expect(result.stats.died).toHaveLength(3)
      expect(formatScorecard(result)).toContain("| Traceback (most recent call last):")
      expect(formatScorecard(result)).toContain("the rest of the run was played out at once")
    })
  )

  it.live("fails with a clear reason when the replica program cannot be run", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(runReal(testConfig(), { seed: 1, name: "missing", replicaPath: "/nonexistent/3700kvstore" }))
      expect(error._tag).toBe("ReplicaStartError")
      expect(error.reason).toMatch(/^cannot run replica \/nonexistent\/3700kvstore: .*ENOENT/)
    })
  )

  it.live("stops a replica that ignores SIGTERM with SIGKILL after the grace period, instead of waiting for it forever", () =>
    Effect.gen(function* () {
      chmodSync(deafFixture, 0o755)
      const started = performance.now()
      const result = yield* runReal(shortRun, { seed: 5, name: "deaf", replicaPath: deafFixture })
      const elapsed = performance.now() - started
      expect(result.correct).toBe(true)
      expect(elapsed).toBeGreaterThan(result.durationMs + STOP_GRACE_MS)
      expect(elapsed).toBeLessThan(result.durationMs + STOP_GRACE_MS + 1_500)
      expect(replicasLeft(deafFixture)).toEqual([])
    })
  )

  it.live("an interrupted run (kvsim's answer to SIGTERM or Ctrl-C) stops every replica within the grace period", () =>
    Effect.gen(function* () {
      chmodSync(deafFixture, 0o755)
      const long = { ...shortRun, lifetime: 60 }
      const fiber = yield* Effect.fork(runReal(long, { seed: 6, name: "interrupted", replicaPath: deafFixture }))
      yield* Effect.sleep(Duration.millis(1_000))
      expect(replicasLeft(deafFixture)).toHaveLength(3)
      const started = performance.now()
      yield* Fiber.interrupt(fiber)
      expect(performance.now() - started).toBeLessThan(STOP_GRACE_MS + 1_000)
      expect(replicasLeft(deafFixture)).toEqual([])
    })
  )
})
