import { describe, expect, it } from "vitest"
import { parseCpuMillis, processCpuMillis } from "../../src/harness/processCpu.ts"

describe("replica CPU time from /proc", () => {
  it("reads utime + stime (fields 14 and 15) in ms, counting from the last parenthesis of the command name", () => {
    const fields = ["S", "1", "2", "3", "0", "-1", "4194560", "100", "0", "0", "0", "150", "25", "7", "8", "20"]
    expect(parseCpuMillis(`4242 (node) ${fields.join(" ")}`)).toBe(1750)
    expect(parseCpuMillis(`4242 (a (b) c) ${fields.join(" ")}`)).toBe(1750)
    expect(parseCpuMillis("4242 (node) S 1")).toBeUndefined()
  })

  it.skipIf(process.platform !== "linux")("sees this process's own CPU time grow by what a busy loop burns", () => {
    const before = processCpuMillis(process.pid)
    // Burn CPU time, not wall time: on a loaded machine the two part ways.
    const start = process.cpuUsage()
    const burnedMs = () => {
      const used = process.cpuUsage(start)
      return (used.user + used.system) / 1000
    }
    while (burnedMs() < 300);
    const after = processCpuMillis(process.pid)
    expect(before).toBeDefined()
    // /proc counts in clock ticks of 10 ms, utime and stime each rounded down.
    expect((after as number) - (before as number)).toBeGreaterThanOrEqual(300 - 20)
    expect(processCpuMillis(2 ** 30)).toBeUndefined()
  })
})
