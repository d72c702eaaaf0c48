import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { loadConfig } from "../../src/domain/harness/config.ts"
import { Harness } from "../../src/domain/harness/harness.ts"
import { standardSuite } from "../../src/programs/kvsim/suite.ts"
import { hello, ids } from "./scripted.ts"

const standardConfigs = standardSuite(readdirSync("configs")).map((file) => ({
  file,
  config: Either.getOrThrow(loadConfig(readFileSync(`configs/${file}`, "utf8")))
}))

/**
 * A back end sleeps until nextTimerAt and calls onTimer then; kvsim ends only if that chain
 * reaches Finish. Each call must do some work (a request, an event, or the finish itself)
 * and the next wake-up must lie ahead, or a back end would spin at one instant forever.
 */
describe("every standard config ends", () => {
  it.each(standardConfigs)("$file: the timer chain reaches Finish at the end of the run, one request or event per wake-up", ({ config }) => {
    for (const seed of [1, 2, 3]) {
      const harness = new Harness(config, { seed })
      for (const id of ids(config.replicas)) harness.onReplicaDatagram(0, id, hello(id))
      const endMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
      const budget = config.requests + config.events.length + 1
      let now = 0
      let wakeUps = 0
      for (let at = harness.nextTimerAt(); at !== undefined; at = harness.nextTimerAt()) {
        expect(at).toBeGreaterThanOrEqual(now)
        expect(++wakeUps).toBeLessThanOrEqual(budget)
        now = at
        const effects = harness.onTimer(now)
        const next = harness.nextTimerAt()
        if (next !== undefined) expect(next).toBeGreaterThan(now)
        else expect(effects.at(-1)).toEqual({ _tag: "Finish" })
      }
      expect(harness.isFinished).toBe(true)
      expect(now).toBe(endMs)
    }
  })
})
