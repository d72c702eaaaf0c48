import type { NodeId } from "../ids.ts"
import type { IncorrectReason } from "./datagram.ts"

/** The first few incorrect datagrams are kept verbatim: a count alone does not say what went wrong. */
const MAX_INCORRECT_EXAMPLES = 5
const MAX_EXAMPLE_LENGTH = 300

export interface IncorrectExample {
  readonly atMs: number
  readonly from: NodeId
  readonly reason: IncorrectReason
  readonly datagram: string
}

/** The run's counters, bumped in place on the hot path and read once at the end. */
export class Tally {
  /** Replica-to-replica datagrams; a broadcast counts N−1. */
  totalMsgs = 0
  /** Copies lost to a random drop. */
  droppedMsgs = 0
  /** Copies lost to a partition. */
  blockedMsgs = 0
  /** Request datagrams the clients sent, retries included. */
  requestsSent = 0
  gets = 0
  puts = 0
  failedGetGenerations = 0
  failedGets = 0
  failedPuts = 0
  redirects = 0
  duplicates = 0
  incorrect = 0
  /** Datagrams whose `src` is not the replica whose socket they came in on. */
  srcMismatches = 0
  readonly incorrectByReason = new Map<IncorrectReason, number>()
  readonly incorrectExamples: Array<IncorrectExample> = []
  /** Milliseconds from a MID's request to its response, one per response awaited. */
  readonly latenciesMs: Array<number> = []
  /** The same samples split by what was asked: a get and a put have different floors. */
  readonly latenciesByKindMs = { get: [] as Array<number>, put: [] as Array<number> }

  countIncorrect(reason: IncorrectReason, atMs: number, from: NodeId, datagram: string): void {
    this.incorrect++
    this.incorrectByReason.set(reason, (this.incorrectByReason.get(reason) ?? 0) + 1)
    if (this.incorrectExamples.length < MAX_INCORRECT_EXAMPLES) {
      this.incorrectExamples.push({ atMs, from, reason, datagram: datagram.slice(0, MAX_EXAMPLE_LENGTH) })
    }
  }
}
