import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { configJsonSchema, fractionLimits, loadConfig } from "../../src/domain/harness/config.ts"
import { MAX_VALUE_BYTES } from "../../src/domain/harness/workload.ts"
import { jsonBytes, UDP_PAYLOAD_BYTES } from "../../src/domain/wire/datagramSize.ts"

const benchmarks = `"benchmarks": {"total_msgs": [1, 2, 3], "failures": [0, 1, 2], "duplicates": [0, 1, 2], "median_latency": [0.001, 0.002, 0.003]}`
const minimal = `{"lifetime": 30, "replicas": 5, "requests": 500, "mix": 0.2, "tests": {${benchmarks}}}`

const reason = (text: string): string =>
  Either.getOrThrowWith(Either.flip(loadConfig(text)), () => new Error("expected the config to be rejected")).reason

describe("loadConfig", () => {
  it("decodes all 17 standard configs", () => {
    const files = readdirSync("configs").filter((f) => f.endsWith(".json"))
    expect(files).toHaveLength(17)
    for (const file of files) expect(Either.isRight(loadConfig(readFileSync(`configs/${file}`, "utf8")))).toBe(true)
  })

  it("fills in SIMULATOR.md's defaults", () => {
    const config = Either.getOrThrow(loadConfig(minimal))
    expect(config).toMatchObject({ drops: 0, start_wait: 5, end_wait: 2, max_packets: 20_000, events: [] })
    expect(fractionLimits(config)).toEqual({ unansweredGets: 0.5, unansweredPuts: 0.5, failedGetGenerations: 0.1, appendsBatched: 0.5 })
  })

  it("accepts the fraction overrides at top level but reads them only under tests, as the reference does", () => {
    const text = `{"lifetime": 30, "replicas": 5, "requests": 500, "mix": 0.2,
      "maximum_get_generation_fail_fraction": 0.2, "maximum_get_fail_fraction": 0.7, "maximum_put_fail_fraction": 0.8,
      "tests": {${benchmarks}, "maximum_get_fail_fraction": 0.9, "maximum_appends_batched_fraction": 0.25}}`
    expect(fractionLimits(Either.getOrThrow(loadConfig(text)))).toEqual({
      unansweredGets: 0.9,
      unansweredPuts: 0.5,
      failedGetGenerations: 0.1,
      appendsBatched: 0.25
    })
    const allUnderTests = `{"lifetime": 30, "replicas": 5, "requests": 500, "mix": 0.2,
      "tests": {${benchmarks}, "maximum_get_fail_fraction": 0.9, "maximum_put_fail_fraction": 0.3,
      "maximum_get_generation_fail_fraction": 0.2, "maximum_appends_batched_fraction": 0}}`
    expect(fractionLimits(Either.getOrThrow(loadConfig(allUnderTests)))).toEqual({
      unansweredGets: 0.9,
      unansweredPuts: 0.3,
      failedGetGenerations: 0.2,
      appendsBatched: 0
    })
    expect(reason(allUnderTests.replace(`"maximum_appends_batched_fraction": 0`, `"maximum_appends_batched_fraction": 2`))).toContain(
      "tests.maximum_appends_batched_fraction"
    )
  })

  it("says what is wrong: bad JSON, missing and ill-typed fields, unknown events and fields", () => {
    expect(reason("{")).toMatch(/^not JSON/)
    expect(reason(`{"replicas": 5}`)).toContain("lifetime: is missing")
    expect(reason(minimal.replace(`"mix": 0.2`, `"mix": 1.5`))).toContain("mix: Expected a number between 0 and 1")
    expect(reason(minimal.replace(`"replicas": 5`, `"replicas": 2.5`))).toContain("replicas: Expected an integer")
    // One message for the one mistake, naming every event type there is.
    expect(reason(minimal.replace(`"mix": 0.2`, `"mix": 0.2, "events": [{"type": "explode", "time": 1}]`))).toBe(
      `events.0.type: expected one of "part_easy", "part_hard", "part_end", "kill_leader", "kill_non_leader"; got "explode"`
    )
    // Two mistakes, two messages.
    expect(reason(minimal.replace(`"mix": 0.2`, `"mix": 1.5, "drop": 0.1`)).split("; ")).toHaveLength(2)
    expect(reason(minimal.replace(`"mix": 0.2`, `"mix": 0.2, "drop": 0.1`))).toContain("drop: is unexpected")
    expect(reason(minimal.replace(`"total_msgs": [1, 2, 3]`, `"total_msgs": [1, 2]`))).toContain("tests.benchmarks.total_msgs")
  })
})

describe("max_value_bytes (kvsim only)", () => {
  it("takes values from the reference's 32 bytes up to what leaves a put datagram within one UDP payload", () => {
    const withMax = (bytes: number) => minimal.replace(`"mix": 0.2`, `"mix": 0.2, "max_value_bytes": ${bytes}`)
    expect(Either.getOrThrow(loadConfig(withMax(4096))).max_value_bytes).toBe(4096)
    expect(Either.isRight(loadConfig(withMax(MAX_VALUE_BYTES)))).toBe(true)
    expect(reason(withMax(MAX_VALUE_BYTES + 1))).toContain("max_value_bytes")
    expect(reason(withMax(31))).toContain("max_value_bytes")
    const longest = { src: "FFFE", dst: "FFFE", leader: "FFFF", type: "put", MID: "M".repeat(16), key: "K".repeat(32), value: "v".repeat(MAX_VALUE_BYTES) }
    expect(jsonBytes(longest)).toBe(UDP_PAYLOAD_BYTES)
  })
})

describe("the config's JSON Schema for editors", () => {
  it("docs/config.schema.json is the Schema kvsim decodes with (regenerate: npm run config-schema)", () => {
    const published = JSON.parse(readFileSync("docs/config.schema.json", "utf8")) as unknown
    expect(published).toEqual(configJsonSchema())
  })
})
