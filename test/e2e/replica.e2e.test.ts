import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { loadConfig } from "../../src/domain/harness/config.ts"
import { runReal } from "../../src/harness/real.ts"

/**
 * Five real ./3700kvstore processes (the bundle `npm ci` builds) behind kvsim's real back end:
 * hello handshake, an election inside start_wait, puts and gets over UDP, redirects for
 * clients that guess wrong, and the harness's correctness checks with linearizability.
 */
const shortRun = loadConfig(
  JSON.stringify({
    lifetime: 3,
    replicas: 5,
    requests: 120,
    mix: 0.5,
    start_wait: 4,
    end_wait: 1,
    tests: {
      // 120 requests over 8 clients: a client's first draw is often a get with no key yet.
      // Under `tests`, where the reference (and so kvsim) reads it.
      maximum_get_generation_fail_fraction: 0.5,
      benchmarks: {
        total_msgs: [1200, 3000, 5000],
        failures: [0, 1, 2],
        duplicates: [0, 2, 5],
        median_latency: [0.0004, 0.002, 0.05]
      }
    }
  })
)

describe("the replica over real UDP", () => {
  it.effect(
    "five processes elect a leader, answer every request correctly, and pass the harness's checks",
    () =>
      Effect.gen(function* () {
        const config = Either.getOrThrow(shortRun)
        const result = yield* runReal(config, { seed: 11, name: "e2e", replicaPath: "./3700kvstore" })
        expect(result.stats.leaders).toHaveLength(1)
        expect(result.stats.incorrect).toBe(0)
        expect(result.stats.duplicates).toBe(0)
        expect(result.stats.failures).toBe(0)
        expect(result.stats.gets.unanswered + result.stats.puts.unanswered).toBe(0)
        expect(result.stats.gets.ok + result.stats.puts.ok).toBe(result.stats.gets.generated + result.stats.puts.generated)
        expect(result.stats.redirects).toBeGreaterThan(0)
        expect(result.linearizability._tag).toBe("Linearizable")
        expect(result.checks.filter((check) => !check.passed)).toEqual([])
        expect(result.correct).toBe(true)
      }),
    30_000
  )
})
