import { type ClusterInvariant, isClusterInvariant, type Violation } from "../domain/raft/invariants/violation.ts"
import { RandomStream, streamSeed } from "../domain/randomStream.ts"
import type { DecodeReason } from "../domain/wire/decode.ts"
import type { WireMessage } from "../domain/wire/messages.ts"
import { type Activity, FuzzCluster } from "./cluster.ts"
import { CATEGORIES, type Category, type Expectation, type Hostile } from "./categories.ts"
import { achieved, problemWith, showViolation } from "./expectations.ts"

/** Hostile datagrams arrive on average this far apart (virtual time), between the honest traffic. */
const MEAN_GAP_MS = 0.5
/**
 * Lies reach their cluster this far apart on average, on that cluster's own clock. A lie about
 * terms costs a cluster its leader for an election timeout; as dense as the rest, lies would
 * keep it leaderless, with nothing committed for the next lie to corrupt. This far apart it
 * serves clients between them, and each lie meets a working cluster often enough, at the
 * price of the honest steps in between.
 */
const LIE_GAP_MS = 50
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
  /** How many of each message type got past the decoder. */
  readonly decoded: Map<WireMessage["type"], number>
  crashes: number
  violations: number
}

/** What the lies achieved: the cluster invariants they broke in the cluster that hears them. */
export interface LieEffects {
  readonly lies: number
  readonly broken: ReadonlyMap<ClusterInvariant, number>
  readonly examples: ReadonlyArray<string>
}

export interface CampaignResult {
  readonly seed: number
  readonly count: number
  readonly categories: ReadonlyArray<CategoryTally>
  readonly decodeReasons: ReadonlyMap<DecodeReason, number>
  /** The cluster that hears every hostile datagram but lies, and the one that hears only lies, each on its own clock. */
  readonly activity: { readonly trusting: Activity; readonly lied: Activity }
  readonly virtualMs: { readonly trusting: number; readonly lied: number }
  /** Every step that threw, hostile or honest, and every timer that spun. */
  readonly crashes: number
  /** Every broken expectation and every invariant a replica should have kept; the first few are described in `examples`. */
  readonly violations: number
  readonly examples: ReadonlyArray<string>
  readonly lieEffects: LieEffects
}

const preview = (bytes: string | Uint8Array): string => {
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes.subarray(0, 300)).toString("latin1")
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)
}

/**
 * Feeds `count` hostile datagrams, drawn from every category by weight, to live five-replica
 * clusters: lies to one, everything else to the other (categories.ts says why); all
 * randomness comes from `seed`, so a run (and any failure) replays exactly.
 */
export const runCampaign = (options: {
  readonly seed: number
  readonly count: number
  /** Called with the number of datagrams sent so far, every `PROGRESS_EVERY`. */
  readonly onProgress?: (sent: number) => void
}): CampaignResult => {
  const trusting = new FuzzCluster(new RandomStream(streamSeed(options.seed, 0)))
  const lied = new FuzzCluster(new RandomStream(streamSeed(options.seed, 2)))
  const random = new RandomStream(streamSeed(options.seed, 1))
  const tallies: Array<CategoryTally> = CATEGORIES.map(({ name, expectation }) => ({
    name,
    expectation,
    sent: 0,
    rejected: 0,
    unchanged: 0,
    changed: 0,
    decoded: new Map(),
    crashes: 0,
    violations: 0
  }))
  const decodeReasons = new Map<DecodeReason, number>()
  const examples: Array<string> = []
  const report = (text: string): void => {
    if (examples.length < MAX_REPORTED) examples.push(text)
  }
  const broken = new Map<ClusterInvariant, number>()
  const effectExamples: Array<string> = []
  let lies = 0
  let lastLie = ""
  const lieAchieved = (violation: Violation, during: string): void => {
    const invariant = violation.invariant
    if (!isClusterInvariant(invariant)) return
    broken.set(invariant, (broken.get(invariant) ?? 0) + 1)
    if (effectExamples.length < MAX_REPORTED) effectExamples.push(`${during}: ${showViolation(violation)}\n    after ${lastLie}`)
  }
  let crashes = 0
  let violations = 0
  /** What went wrong in the clusters' honest steps since last asked: a lie may show only now. */
  const collectTroubles = (): void => {
    for (const [cluster, name] of [[trusting, "trusting"], [lied, "lied-to"]] as const) {
      if (cluster.troubles.length === 0) continue
      for (const trouble of cluster.troubles.splice(0)) {
        const during = `honest ${trouble.during} (${name} cluster)`
        if (trouble._tag === "Crashed") {
          crashes++
          report(`${during}: ${trouble.error}`)
        } else if (cluster === lied && lies > 0 && isClusterInvariant(trouble.violation.invariant)) lieAchieved(trouble.violation, during)
        else {
          violations++
          report(`${during}: ${showViolation(trouble.violation)}`)
        }
      }
    }
  }
  const totalWeight = CATEGORIES.reduce((sum, c) => sum + c.weight, 0)
  const drawCategory = (): Category => {
    let draw = random.float() * totalWeight
    for (const category of CATEGORIES) {
      draw -= category.weight
      if (draw < 0) return category
    }
    return CATEGORIES[CATEGORIES.length - 1] as Category
  }

  for (let n = 0; n < options.count; n++) {
    if (n > 0 && n % PROGRESS_EVERY === 0) options.onProgress?.(n)
    trusting.advanceTo(trusting.now + random.float() * 2 * MEAN_GAP_MS)
    collectTroubles()
    let category: Category
    let target: FuzzCluster
    let hostile: Hostile | undefined
    do {
      category = drawCategory()
      target = category.expectation === "robust" ? lied : trusting
      if (target === lied) {
        lied.advanceTo(lied.now + random.float() * 2 * LIE_GAP_MS)
        collectTroubles()
      }
      hostile = category.make(target, random)
    } while (hostile === undefined)
    const tally = tallies[CATEGORIES.indexOf(category)] as CategoryTally
    const lie = target === lied
    tally.sent++
    const fate = target.inject(hostile.to, hostile.bytes)
    const where = `#${n} ${category.name} to ${hostile.to} at t=${target.now.toFixed(3)} ms`
    if (fate._tag === "Crashed") {
      tally.crashes++
      report(`${where}: ${fate.error}\n    datagram: ${preview(hostile.bytes)}`)
      continue
    }
    if (fate._tag === "Rejected") {
      tally.rejected++
      decodeReasons.set(fate.reason, (decodeReasons.get(fate.reason) ?? 0) + 1)
    } else {
      if (fate.unchanged) tally.unchanged++
      else tally.changed++
      tally.decoded.set(fate.message.type, (tally.decoded.get(fate.message.type) ?? 0) + 1)
      if (lie) {
        lies++
        lastLie = `${where}: ${preview(hostile.bytes)}`
      }
    }
    for (const violation of achieved(category.expectation, fate)) lieAchieved(violation, where)
    const problem = problemWith(category.expectation, fate)
    if (problem === undefined) continue
    tally.violations++
    report(`${where}: ${problem}\n    datagram: ${preview(hostile.bytes)}`)
  }
  collectTroubles()
  return {
    seed: options.seed,
    count: options.count,
    categories: tallies,
    decodeReasons,
    activity: { trusting: trusting.activity, lied: lied.activity },
    virtualMs: { trusting: trusting.now, lied: lied.now },
    crashes: crashes + tallies.reduce((sum, t) => sum + t.crashes, 0),
    violations: violations + tallies.reduce((sum, t) => sum + t.violations, 0),
    examples,
    lieEffects: { lies, broken, examples: effectExamples }
  }
}
