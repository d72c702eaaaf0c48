import { describe, expect, it } from "@effect/vitest"
import {
  judgeMemory,
  leastSquaresSlope,
  type MemorySample,
  putDatagramBytes,
  type SoakConfig,
  soakReport,
  type TimelineWindow,
  warmUpOf
} from "../../scripts/soakReport.mjs"
import { MAX_VALUE_BYTES } from "../../src/domain/harness/workload.ts"
import { UDP_PAYLOAD_BYTES } from "../../src/domain/wire/datagramSize.ts"

const START_WAIT_S = 5
const END_WAIT_S = 5
const SAMPLE_EVERY_MS = 5_000
const MIB = 1024

const config = (overrides: Partial<SoakConfig> = {}): SoakConfig => ({
  replicas: 5,
  lifetime: 480,
  requests: 48_000,
  mix: 0.2,
  drops: 0.07,
  keys_per_client: 100,
  max_value_bytes: 4096,
  events: [],
  ...overrides
})

/** kvsim's per-minute timeline: minute m's leaders and keys first written in it. */
const timelineOf = (minutes: ReadonlyArray<{ leaders: ReadonlyArray<string>; newKeys?: number }>): Array<TimelineWindow> =>
  minutes.map(({ leaders, newKeys = 0 }, i) => ({
    fromMs: (START_WAIT_S + 60 * i) * 1000,
    toMs: (START_WAIT_S + 60 * (i + 1) + (i === minutes.length - 1 ? END_WAIT_S : 0)) * 1000,
    invoked: 6000,
    unanswered: 0,
    answered: 6000,
    newKeys,
    medianMs: 1,
    p99Ms: 5,
    leaders
  }))

/**
 * A sample every 5 s from kvsim's start to the end of the run (and one either side, which no
 * judgement may read), each replica's memory in kB from `mibAt` of request-phase minutes, or
 * absent once it returns undefined.
 */
const samplesOf = (minutes: number, mibAt: (id: string, minute: number) => number | undefined): Array<MemorySample> => {
  const samples: Array<MemorySample> = []
  const endS = START_WAIT_S + 60 * minutes + END_WAIT_S
  for (let atS = 0; atS <= endS; atS += SAMPLE_EVERY_MS / 1000) {
    const replicas: Record<string, number> = {}
    for (const id of ["0000", "0001", "0002", "0003", "0004"]) {
      const mib = mibAt(id, (atS - START_WAIT_S) / 60)
      if (mib !== undefined) replicas[id] = mib * MIB
    }
    samples.push({ atS, kvsim: 200 * MIB, replicas })
  }
  // During start_wait and after the run: far off, so that reading them would show.
  samples.unshift({ atS: 2, replicas: { "0000": 900 * MIB, "0001": 900 * MIB, "0002": 900 * MIB, "0003": 900 * MIB } })
  samples.push({ atS: endS + 3, replicas: { "0000": 900 * MIB, "0001": 900 * MIB, "0002": 900 * MIB, "0003": 900 * MIB } })
  return samples.sort((a, b) => a.atS - b.atS)
}

describe("the soak's least-squares slope", () => {
  it("is the slope of a straight line, and of the line that best fits points around one", () => {
    expect(leastSquaresSlope([0, 1, 2, 3].map((x) => ({ x, y: 2 * x + 5 })))).toBeCloseTo(2, 12)
    // Residuals +1, −1, −1, +1 about y = x cancel out; +1, +1, −1, −1 tilt the fit down.
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 0 }, { x: 2, y: 1 }, { x: 3, y: 4 }])).toBeCloseTo(1, 12)
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 1 }, { x: 3, y: 2 }])).toBeCloseTo(0.2, 12)
  })

  it("is undefined for points that do not span two x values", () => {
    expect(leastSquaresSlope([])).toBeUndefined()
    expect(leastSquaresSlope([{ x: 1, y: 1 }, { x: 1, y: 9 }])).toBeUndefined()
  })
})

describe("the soak's warm-up", () => {
  it("with capped keys, runs to the last minute in which a key was first written", () => {
    const timeline = timelineOf([{ leaders: ["0000"], newKeys: 600 }, { leaders: ["0000"], newKeys: 200 }, { leaders: ["0000"], newKeys: 1 }, { leaders: ["0000"] }, { leaders: ["0000"] }])
    expect(warmUpOf(config(), timeline)).toEqual({ minutes: 3, lastGrowth: 3, dataStillGrowing: false })
  })

  it("is minute 1 at least, and only minute 1 with keys unbounded, whose growth is judged", () => {
    const quiet = timelineOf([{ leaders: [] }, { leaders: [] }])
    expect(warmUpOf(config(), quiet)).toEqual({ minutes: 1, lastGrowth: 0, dataStillGrowing: false })
    const growing = timelineOf([{ leaders: [], newKeys: 5 }, { leaders: [], newKeys: 5 }, { leaders: [], newKeys: 5 }])
    expect(warmUpOf({ ...config(), keys_per_client: undefined } as unknown as SoakConfig, growing).minutes).toBe(1)
    expect(warmUpOf(config(), growing)).toEqual({ minutes: 3, lastGrowth: 3, dataStillGrowing: true })
  })
})

describe("the soak's judgement of each replica's memory", () => {
  // Eight minutes; keys first written in minutes 1 and 2. 0000 leads until it is killed at 4:30,
  // 0001 leads from then on. 0004 is killed at 1:30, in the warm-up.
  const timeline = timelineOf([
    { leaders: ["0000"], newKeys: 500 },
    { leaders: ["0000"], newKeys: 300 },
    { leaders: ["0000"] },
    { leaders: ["0000"] },
    { leaders: ["0000", "0001"] },
    { leaders: ["0001"] },
    { leaders: ["0001"] },
    { leaders: ["0001"] }
  ])
  const samples = samplesOf(8, (id, minute) => {
    switch (id) {
      case "0000":
        return minute < 4.5 ? 120 : undefined
      case "0001":
        // A step of 16% when it takes over: a leader holds more than a follower.
        return minute < 4.55 ? 100 : 116
      case "0002":
        return 100 + 0.5 * minute
      case "0003":
        return 60 + 3 * minute
      default:
        return minute < 1.5 ? 90 : undefined
    }
  })
  const { warmUp, replicas } = judgeMemory({ config: config(), timeline, samples, sampleEveryMs: SAMPLE_EVERY_MS })
  const judged = Object.fromEntries(replicas.map((r) => [r.id, r]))

  it("judges every replica that lived past the warm-up, from its end, each against its own first minute", () => {
    expect(warmUp.minutes).toBe(2)
    expect(judged["0002"]).toMatchObject({ from: 3, to: 8, role: "follower", died: false, ok: true, note: "ok" })
    // Every sample from 2:00 to 8:05, none from start_wait or after the run.
    expect(judged["0002"]?.samples).toBe(74)
    expect(judged["0002"]?.slope).toBeCloseTo(0.5, 9)
    expect(judged["0002"]?.first).toBeCloseTo((100 + 0.5 * 2.4583) * MIB, 1)
  })

  it("fails a replica whose last minute exceeds its first by more than 10%, and reports its slope in MiB per minute", () => {
    const r = judged["0003"]
    expect(r?.slope).toBeCloseTo(3, 9)
    expect(r?.change).toBeGreaterThan(0.1)
    expect(r).toMatchObject({ ok: false, note: "grew over 10%" })
  })

  it("judges a replica whose role changed against its level after the change, not before it", () => {
    const r = judged["0001"]
    expect(r).toMatchObject({ from: 6, to: 8, role: "leader", after: "its role changed in minute 5", ok: true })
    expect(r?.first).toBe(116 * MIB)
    expect(r?.change).toBe(0)
    expect(r?.slope).toBeCloseTo(0, 9)
  })

  it("judges a killed leader up to its last sample: its leadership passing on in the minute it is killed is no change of its role", () => {
    expect(judged["0000"]).toMatchObject({ from: 3, to: 5, role: "leader", died: true, samples: 30, change: 0, ok: true })
  })

  it("takes a killed replica's role in the minute it is killed in as the one it started that minute in", () => {
    // 0004 takes over in minute 1 and is killed at 1:57; 0002 leads from then on.
    const short = timelineOf([{ leaders: ["0003", "0004"] }, { leaders: ["0004", "0002"] }, { leaders: ["0002"] }, { leaders: ["0002"] }])
    const shortSamples = samplesOf(4, (id, minute) => (id !== "0004" || minute < 1.95 ? 100 : undefined))
    const r = judgeMemory({ config: config(), timeline: short, samples: shortSamples, sampleEveryMs: SAMPLE_EVERY_MS }).replicas
    expect(r[4]).toMatchObject({ from: 2, to: 2, role: "leader", died: true, samples: 12, after: "the warm-up" })
    expect(r[2]).toMatchObject({ from: 3, to: 4, role: "leader", after: "its role changed in minute 2" })
    expect(r[3]).toMatchObject({ from: 2, to: 4, role: "follower", after: "the warm-up" })
  })

  it("says why a replica killed during the warm-up is not judged", () => {
    expect(judged["0004"]).toMatchObject({ samples: 0, ok: true, note: "not judged: no sample after the warm-up, killed in minute 2" })
    expect(judged["0004"]?.slope).toBeUndefined()
  })

  it("gives only a slope for a span under two minutes, and judges none while the data still grows", () => {
    const short = timelineOf([{ leaders: ["0000"] }, { leaders: ["0000"] }, { leaders: ["0000", "0001"] }, { leaders: ["0001"] }])
    const shortSamples = samplesOf(4, (_, minute) => 100 + minute)
    const r = judgeMemory({ config: config(), timeline: short, samples: shortSamples, sampleEveryMs: SAMPLE_EVERY_MS }).replicas
    expect(r[1]).toMatchObject({ from: 4, to: 4, ok: true, note: "slope only: under two minutes of samples" })
    expect(r[1]?.change).toBeUndefined()
    expect(r[1]?.slope).toBeCloseTo(1, 9)
    expect(r[2]).toMatchObject({ from: 2, to: 4, note: "ok" })

    const growing = timelineOf([1, 2, 3].map(() => ({ leaders: ["0000"], newKeys: 10 })))
    const stillGrowing = judgeMemory({ config: config(), timeline: growing, samples: samplesOf(3, () => 100), sampleEveryMs: SAMPLE_EVERY_MS })
    expect(stillGrowing.replicas.map((x) => x.note)).toEqual(Array(5).fill("not judged: the data still grew in minute 3"))
  })
})

describe("the soak's report", () => {
  it("states the largest put datagram its values make, which fits one UDP payload up to kvsim's limit", () => {
    expect(putDatagramBytes(4096)).toBe(4229)
    expect(putDatagramBytes(MAX_VALUE_BYTES)).toBe(UDP_PAYLOAD_BYTES)
  })

  it("fails the soak when a replica's memory grew, passes it otherwise, and shows each replica's slope", () => {
    const timeline = timelineOf([{ leaders: ["0000"], newKeys: 800 }, { leaders: ["0000"] }, { leaders: ["0000"] }, { leaders: ["0000"] }])
    const latency = { medianMs: 1, p99Ms: 5, samples: 24_000 }
    const run = (correct: boolean) => ({
      seed: 1,
      correct,
      timeline,
      checks: [{ id: "incorrect", passed: correct, detail: correct ? "0 incorrect" : "1 incorrect" }],
      stats: {
        gets: { generated: 4800, failed: 0, unanswered: 0 },
        puts: { generated: 19_200, failed: 0, unanswered: 0 },
        keysStored: 800,
        failures: 0,
        duplicates: 0,
        incorrect: correct ? 0 : 1,
        incorrectByReason: correct ? [] : [{ reason: "unexpected-mid", count: 1 }],
        incorrectExamples: correct ? [] : [{ atMs: 61_000, from: "0000", reason: "unexpected-mid", datagram: `{"type":"ok"}` }],
        redirects: 0,
        totalMsgs: 100_000,
        droppedMsgs: 7000,
        blockedMsgs: 0,
        leaders: ["0000"],
        killed: [],
        died: [],
        latency
      }
    })
    const report = (growth: number, correct = true) =>
      soakReport({
        command: "npm run soak -- --minutes 4",
        started: new Date(0),
        config: config({ lifetime: 240, requests: 24_000 }),
        run: run(correct),
        samples: samplesOf(4, (id, minute) => (id === "0003" ? 100 + growth * minute : 100)),
        sampleEveryMs: SAMPLE_EVERY_MS
      })
    const steady = report(1)
    expect(steady.passed).toBe(true)
    expect(steady.section).toContain("(5 of 5 replicas judged)")
    expect(steady.section).toMatch(/\| 0003 \| minutes 2–4 \(after the warm-up\) \| follower \| 38 \| .* \| \+1\.00 \| ok \|/)
    expect(steady.section).toContain("the largest put datagram 4,229 bytes")
    const grown = report(10)
    expect(grown.passed).toBe(false)
    expect(grown.section).toMatch(/\| 0003 \| .* \| \+10\.00 \| grew over 10% \|/)
    const incorrect = report(1, false)
    expect(incorrect.passed).toBe(false)
    expect(incorrect.section).toContain("incorrect 1 (unexpected-mid 1)")
    expect(incorrect.section).toContain('- incorrect at 61.0 s from 0000 (unexpected-mid): `{"type":"ok"}`')
  })
})
