import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Effect } from "effect"

/** Seeds are 32-bit: the simulation's random streams are seeded with one unsigned word. */
export const MAX_SEED = 0xffff_ffff

export interface SeedRange {
  readonly from: number
  readonly to: number
}

const parseSeed = (text: string): number | undefined => {
  const n = Number(text)
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n <= MAX_SEED ? n : undefined
}

const parseSeedRange = (text: string): SeedRange | undefined => {
  const match = /^(\d+)\.\.(\d+)$/.exec(text)
  const from = match?.[1] === undefined ? undefined : parseSeed(match[1])
  const to = match?.[2] === undefined ? undefined : parseSeed(match[2])
  return from === undefined || to === undefined || from > to ? undefined : { from, to }
}

const invalid = (reason: string) => ValidationError.invalidValue(HelpDoc.p(reason))

/** `--seed S`: one seed, 0 to MAX_SEED. */
export const seedOption = Options.text("seed").pipe(
  Options.withPseudoName("S"),
  Options.mapEffect((text) => {
    const seed = parseSeed(text)
    return seed === undefined ? Effect.fail(invalid(`--seed "${text}" is not a seed (0 to ${MAX_SEED})`)) : Effect.succeed(seed)
  })
)

/** `--seeds A..B`: every seed from A to B. */
export const seedRangeOption = Options.text("seeds").pipe(
  Options.withPseudoName("A..B"),
  Options.mapEffect((text) => {
    const range = parseSeedRange(text)
    return range === undefined ? Effect.fail(invalid(`--seeds "${text}" is not a range A..B with A <= B`)) : Effect.succeed(range)
  })
)

/** `--runs N`: how many seeds, one after another; at least one. */
export const runsOption = Options.text("runs").pipe(
  Options.withPseudoName("N"),
  Options.mapEffect((text) =>
    /^\d+$/.test(text) && Number(text) >= 1 ? Effect.succeed(Number(text)) : Effect.fail(invalid(`--runs "${text}" is not a positive count`))
  )
)
