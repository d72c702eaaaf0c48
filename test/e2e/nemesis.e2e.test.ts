import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runNemesis } from "../../src/nemesis/nemesisRun.ts"

/**
 * A slice of `npm run nemesis` against the built kvnode: every kind of fault at least once
 * (the run goes on until each has happened, however slow the machine), then every key read
 * after healing. Nothing acknowledged may be lost and the history must be linearizable.
 */
const dir = mkdtempSync(path.join(tmpdir(), "nemesis-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the nemesis against three kvnode processes", () => {
  it("loses no acknowledged write and stays linearizable through kills, pauses and cuts", async () => {
    const report = await runNemesis({
      durationMs: 15_000,
      clients: 3,
      seed: 25,
      kvnode: "dist/kvnode.mjs",
      directory: dir,
      faultIntervalMs: 5_000,
      minimumEachFault: 1
    })
    expect(report.faults.kills).toBeGreaterThanOrEqual(1)
    expect(report.faults.pauses).toBeGreaterThanOrEqual(1)
    expect(report.faults.cuts).toBeGreaterThanOrEqual(1)
    expect(report.acknowledgedPuts).toBeGreaterThan(0)
    expect(report.lost).toEqual([])
    expect(report.verdict._tag).toBe("Linearizable")
  }, 240_000)
})
