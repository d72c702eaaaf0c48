import { Data, Either, JSONSchema, Schema } from "effect"
import { jsonFileDecoder } from "../jsonFile.ts"
import { MAX_VALUE_BYTES, MD5_LENGTH } from "./workload.ts"

/** `[bonus, full, partial]`: a metric below the first earns the bonus tier, and so on. */
const Thresholds = Schema.Tuple(Schema.NonNegative, Schema.NonNegative, Schema.NonNegative)

const Benchmarks = Schema.Struct({
  total_msgs: Thresholds,
  failures: Thresholds,
  duplicates: Thresholds,
  median_latency: Thresholds
})

const Fraction = Schema.Number.pipe(Schema.between(0, 1))

/**
 * The reference reads these overrides under `tests` only. One standard config (advanced-1)
 * puts one at top level, where the reference ignores it: it is accepted there and ignored
 * here too.
 */
const FractionOverrides = {
  maximum_get_fail_fraction: Schema.optional(Fraction),
  maximum_put_fail_fraction: Schema.optional(Fraction),
  maximum_get_generation_fail_fraction: Schema.optional(Fraction)
}

export const EventType = Schema.Literal("part_easy", "part_hard", "part_end", "kill_leader", "kill_non_leader")
export type EventType = typeof EventType.Type

export const ChaosEvent = Schema.Struct({
  type: EventType,
  /** Seconds from the start of the request phase. */
  time: Schema.NonNegative
})
export type ChaosEvent = typeof ChaosEvent.Type

/** A config file as SIMULATOR.md describes it; times in seconds, defaults filled in. */
export const Config = Schema.Struct({
  lifetime: Schema.Positive,
  /** Client ids start at N+16 and must stay below FFFF, the broadcast id. */
  replicas: Schema.Int.pipe(Schema.between(1, 0xffff - 16 - 8)),
  requests: Schema.Int.pipe(Schema.nonNegative()),
  mix: Fraction,
  drops: Schema.optionalWith(Fraction, { default: () => 0 }),
  start_wait: Schema.optionalWith(Schema.NonNegative, { default: () => 5 }),
  end_wait: Schema.optionalWith(Schema.NonNegative, { default: () => 2 }),
  max_packets: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 20_000 }),
  events: Schema.optionalWith(Schema.Array(ChaosEvent), { default: () => [] }),
  /**
   * Not in SIMULATOR.md (kvsim only): once a client has this many keys, its puts only update
   * them, so a long run's data stops growing (the soak measures memory with it).
   */
  keys_per_client: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /**
   * Not in SIMULATOR.md (kvsim only): values of 32 to this many bytes instead of the
   * reference's 32-character MD5s, so a soak holds data of a realistic size.
   */
  max_value_bytes: Schema.optional(Schema.Int.pipe(Schema.between(MD5_LENGTH, MAX_VALUE_BYTES))),
  tests: Schema.Struct({
    benchmarks: Benchmarks,
    ...FractionOverrides,
    maximum_appends_batched_fraction: Schema.optional(Fraction)
  }),
  ...FractionOverrides
})
export type Config = typeof Config.Type

/**
 * The config as a JSON Schema, for editors that check a file as it is typed (published as
 * docs/config.schema.json, which a test keeps equal to this).
 */
export const configJsonSchema = (): object => ({
  ...JSONSchema.make(Config),
  title: "kvsim / course harness config",
  description: "A run's config, as the course's reference simulator and kvsim read it; docs/protocol.md explains each field."
})

export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly reason: string }> {}

const decodeConfig = jsonFileDecoder(Config, "config")

/** Decodes a config file's text; the error names every offending field and what was expected. */
export const loadConfig = (text: string): Either.Either<Config, ConfigError> =>
  Either.mapLeft(decodeConfig(text), (reason) => new ConfigError({ reason }))

/** The limits of correctness checks 4, 5 and 6, with the reference's defaults. */
export interface FractionLimits {
  readonly unansweredGets: number
  readonly unansweredPuts: number
  readonly failedGetGenerations: number
  /** The fraction of a put's appends a replica may batch away: check 6's allowance. */
  readonly appendsBatched: number
}

export const fractionLimits = (config: Config): FractionLimits => ({
  unansweredGets: config.tests.maximum_get_fail_fraction ?? 0.5,
  unansweredPuts: config.tests.maximum_put_fail_fraction ?? 0.5,
  failedGetGenerations: config.tests.maximum_get_generation_fail_fraction ?? 0.1,
  appendsBatched: config.tests.maximum_appends_batched_fraction ?? 0.5
})
