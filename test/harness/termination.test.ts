import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { loadConfig } from "../../src/domain/harness/config.ts"
import { Harness, RECV_WAIT_MS } from "../../src/domain/harness/harness.ts"
import { standardSuite } from "../../src/harness/suite.ts"
import { hello, ids } from "./scripted.ts"

const standardConfigs = standardSuite(readdirSync("configs")).map((file) => ({
  file,
  config: Either.getOrThrow(loadConfig(readFileSync(`configs/${file}`, "utf8")))
}))

/**
 * A back end sleeps until nextTimerAt and calls onTimer then; kvsim ends only if that chain
 * reaches Finish. With no replica traffic the loop wakes every RECV_WAIT_MS, as the
 * reference's select() does, and the run ends at the first wake-up at or past its end. Each
 * next wake-up must lie ahead, or a back end would spin at one instant forever.
 */
describe("every standard config ends", () => {
  it.each(standardConfigs)("$file: the idle timer chain wakes every 100 ms and reaches Finish at the first wake-up past the end", ({ config }) => {
    for (const seed of [1, 2, 3]) {
      const harness = new Harness(config, { seed })
      for (const id of ids(config.replicas)) harness.onReplicaDatagram(0, id, hello(id))
      const endMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
      const budget = endMs / RECV_WAIT_MS + 1
      let now = 0
      let wakeUps = 0
      for (let at = harness.nextTimerAt(); at !== undefined; at = harness.nextTimerAt()) {
        expect(at).toBe(now + RECV_WAIT_MS)
        expect(++wakeUps).toBeLessThanOrEqual(budget)
        // Before its time the wake-up is a no-op.
        expect(harness.onTimer(at - 1)).toEqual([])
        now = at
        const commands = harness.onTimer(now)
        const next = harness.nextTimerAt()
        if (next !== undefined) expect(next).toBeGreaterThan(now)
        else expect(commands.at(-1)).toEqual({ _tag: "Finish" })
      }
      expect(harness.isFinished).toBe(true)
      expect(now).toBeGreaterThanOrEqual(endMs)
      expect(now).toBeLessThan(endMs + RECV_WAIT_MS)
      // Every request was fired before the end.
      expect(harness.progress().requestsStarted).toBe(config.requests)
      expect(harness.result(now).endedBy).toBe("time")
    }
  })
})
