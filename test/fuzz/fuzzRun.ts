import { RandomStream, streamSeed } from "../../src/domain/randomStream.ts"
import type { DecodeReason } from "../../src/domain/wire/decode.ts"
import { type Activity, type Fate, FuzzCluster } from "./cluster.ts"
import { CATEGORIES, type Expectation, type Hostile } from "./categories.ts"

/** Hostile datagrams arrive on average this far apart (virtual time), between the honest traffic. */
const MEAN_GAP_MS = 0.5
const MAX_REPORTED = 20
const PROGRESS_EVERY = 100_000

export interface CategoryTally {
  readonly name: string
  readonly expectation: Expectation
  sent: number
  /** Dropped by the decoder. */
  rejected: number
  /** Decoded; the step returned the very same state. */
  unchanged: number
  /** Decoded; the state changed. */
  changed: number
  crashes: number
  violations: number
}

export interface CampaignResult {
  readonly seed: number
  readonly count: number
  readonly categories: ReadonlyArray<CategoryTally>
  readonly decodeReasons: ReadonlyMap<DecodeReason, number>
  readonly activity: Activity
  readonly virtualMs: number
  readonly crashes: number
  /** Every broken expectation; the first few are described in `examples`. */
  readonly violations: number
  readonly examples: ReadonlyArray<string>
}

/** What went wrong with one datagram's fate, if anything, given what its category may do. */
const problemWith = (expectation: Expectation, fate: Fate): string | undefined => {
  if (fate._tag === "Crashed") return fate.error
  if (fate._tag === "Rejected") {
    return expectation === "rejected" || expectation === "robust" ? undefined : `the generator made an undecodable datagram (${fate.reason})`
  }
  if (expectation === "rejected") return `decoded a datagram that must be rejected, as ${fate.message.type}`
  if (expectation === "unchanged" && !fate.unchanged) return `changed the state on a ${fate.message.type} it must ignore`
  return fate.violation
}

const preview = (bytes: string | Uint8Array): string => {
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes.subarray(0, 300)).toString("latin1")
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)
}

/**
 * Feeds `count` hostile datagrams, drawn from every category by weight, to a live five-replica
 * cluster; all randomness comes from `seed`, so a run (and any failure) replays exactly.
 */
export const runCampaign = (options: {
  readonly seed: number
  readonly count: number
  /** Called with the number of datagrams sent so far, every `PROGRESS_EVERY`. */
  readonly onProgress?: (sent: number) => void
}): CampaignResult => {
  const cluster = new FuzzCluster(new RandomStream(streamSeed(options.seed, 0)))
  const random = new RandomStream(streamSeed(options.seed, 1))
  const tallies: Array<CategoryTally> = CATEGORIES.map(({ name, expectation }) => ({
    name,
    expectation,
    sent: 0,
    rejected: 0,
    unchanged: 0,
    changed: 0,
    crashes: 0,
    violations: 0
  }))
  const decodeReasons = new Map<DecodeReason, number>()
  const examples: Array<string> = []
  const totalWeight = CATEGORIES.reduce((sum, c) => sum + c.weight, 0)
  const drawCategory = (): number => {
    let draw = random.float() * totalWeight
    for (const [i, category] of CATEGORIES.entries()) {
      draw -= category.weight
      if (draw < 0) return i
    }
    return CATEGORIES.length - 1
  }
  let violations = 0

  for (let n = 0; n < options.count; n++) {
    if (n > 0 && n % PROGRESS_EVERY === 0) options.onProgress?.(n)
    cluster.advanceTo(cluster.now + random.float() * 2 * MEAN_GAP_MS)
    let index: number
    let hostile: Hostile | undefined
    do {
      index = drawCategory()
      hostile = CATEGORIES[index]?.make(cluster, random)
    } while (hostile === undefined)
    const category = CATEGORIES[index] as (typeof CATEGORIES)[number]
    const tally = tallies[index] as CategoryTally
    tally.sent++
    const fate = cluster.inject(hostile.to, hostile.bytes, category.expectation === "safe")
    if (fate._tag === "Crashed") tally.crashes++
    else if (fate._tag === "Rejected") {
      tally.rejected++
      decodeReasons.set(fate.reason, (decodeReasons.get(fate.reason) ?? 0) + 1)
    } else if (fate.unchanged) tally.unchanged++
    else tally.changed++
    const problem = problemWith(category.expectation, fate)
    if (problem === undefined) continue
    tally.violations++
    violations++
    if (examples.length < MAX_REPORTED) {
      examples.push(`#${n} ${category.name} to ${hostile.to} at t=${cluster.now.toFixed(3)} ms: ${problem}\n    datagram: ${preview(hostile.bytes)}`)
    }
  }
  for (const honest of cluster.violations) if (examples.length < MAX_REPORTED) examples.push(honest)
  return {
    seed: options.seed,
    count: options.count,
    categories: tallies,
    decodeReasons,
    activity: cluster.activity,
    virtualMs: cluster.now,
    crashes: tallies.reduce((sum, t) => sum + t.crashes, 0),
    violations: violations + cluster.violations.length,
    examples
  }
}
