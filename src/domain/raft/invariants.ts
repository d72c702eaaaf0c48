import type { NodeId } from "../ids.ts"
import type { Entry } from "../wire/messages.ts"
import { entryAt, lastIndex, termAt } from "./log/log.ts"
import type { RaftState } from "./state.ts"

export type InvariantName =
  | "election-safety"
  | "leader-append-only"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "commit-monotonic"

export interface Violation {
  readonly invariant: InvariantName
  readonly replica: NodeId
  readonly detail: string
}

const sameEntry = (a: Entry, b: Entry): boolean =>
  a.term === b.term && a.key === b.key && a.value === b.value && a.client === b.client && a.MID === b.MID

const show = (entry: Entry | undefined): string => (entry === undefined ? "nothing" : JSON.stringify(entry))

/** How far below a log's end Log Matching is spot-checked on each change (the full check is O(log) a step). */
const MATCHING_DEPTH = 8

/**
 * The Raft paper's safety properties (Figure 3) checked across every replica after every step
 * of a run. It remembers what the run has shown so far — the leader of each term, the entry
 * committed at each index — so a violation is caught even when the replicas that would show it
 * are never in view at the same instant. Entries compacted into a snapshot are out of view; only
 * indexes a log still holds are compared.
 */
export class RaftInvariants {
  private readonly leaderOfTerm = new Map<number, NodeId>()
  private readonly committed = new Map<number, Entry>()
  private readonly checkedUpTo = new Map<NodeId, number>()
  private readonly previous = new Map<NodeId, RaftState>()
  private readonly completeFor = new Set<string>()

  /** Checks every replica's current state; returns what no longer holds (empty when all is well). */
  observe(states: ReadonlyMap<NodeId, RaftState>): ReadonlyArray<Violation> {
    const found: Array<Violation> = []
    for (const [id, state] of states) {
      const before = this.previous.get(id)
      if (before === state) continue
      this.previous.set(id, state)
      this.electionSafety(id, state, found)
      this.appendOnly(id, before, state, found)
      this.commitMonotonic(id, before, state, found)
      this.stateMachineSafety(id, state, found)
      this.logMatching(id, state, states, found)
      this.leaderCompleteness(id, state, found)
    }
    return found
  }

  private electionSafety(id: NodeId, state: RaftState, found: Array<Violation>): void {
    if (state.role !== "leader") return
    const known = this.leaderOfTerm.get(state.term)
    if (known === undefined) this.leaderOfTerm.set(state.term, id)
    else if (known !== id) {
      found.push({ invariant: "election-safety", replica: id, detail: `${known} and ${id} both led term ${state.term}` })
    }
  }

  /** A leader never overwrites or deletes entries in its log while it leads (§5.3). */
  private appendOnly(id: NodeId, before: RaftState | undefined, state: RaftState, found: Array<Violation>): void {
    if (before === undefined || before.role !== "leader" || state.role !== "leader" || before.term !== state.term) return
    const end = lastIndex(before.log)
    if (lastIndex(state.log) < end) {
      found.push({ invariant: "leader-append-only", replica: id, detail: `log shrank from ${end} to ${lastIndex(state.log)}` })
      return
    }
    const was = entryAt(before.log, end)
    const now = entryAt(state.log, end)
    if (was !== undefined && now !== undefined && !sameEntry(was, now)) {
      found.push({ invariant: "leader-append-only", replica: id, detail: `entry ${end} changed from ${show(was)} to ${show(now)}` })
    }
  }

  private commitMonotonic(id: NodeId, before: RaftState | undefined, state: RaftState, found: Array<Violation>): void {
    if (before !== undefined && state.commitIndex < before.commitIndex) {
      found.push({ invariant: "commit-monotonic", replica: id, detail: `commit index fell from ${before.commitIndex} to ${state.commitIndex}` })
    }
  }

  /** No two replicas commit different entries at one index (Figure 3, State Machine Safety). */
  private stateMachineSafety(id: NodeId, state: RaftState, found: Array<Violation>): void {
    const from = Math.max(this.checkedUpTo.get(id) ?? 0, state.log.base) + 1
    for (let index = from; index <= state.commitIndex; index++) {
      const entry = entryAt(state.log, index)
      if (entry === undefined) continue
      const first = this.committed.get(index)
      if (first === undefined) this.committed.set(index, entry)
      else if (!sameEntry(first, entry)) {
        found.push({
          invariant: "state-machine-safety",
          replica: id,
          detail: `committed ${show(entry)} at ${index}, where ${show(first)} was committed before`
        })
      }
    }
    this.checkedUpTo.set(id, Math.max(this.checkedUpTo.get(id) ?? 0, state.commitIndex))
  }

  /**
   * Log Matching, spot-checked where a log just changed: against every other replica, at the
   * highest index both hold with the same term and a few below it, the entries must be equal.
   */
  private logMatching(id: NodeId, state: RaftState, states: ReadonlyMap<NodeId, RaftState>, found: Array<Violation>): void {
    for (const [other, theirs] of states) {
      if (other === id) continue
      let index = Math.min(lastIndex(state.log), lastIndex(theirs.log))
      const floor = Math.max(state.log.base, theirs.log.base)
      while (index > floor && termAt(state.log, index) !== termAt(theirs.log, index)) index--
      for (let depth = 0; depth < MATCHING_DEPTH && index > floor; depth++, index--) {
        const mine = entryAt(state.log, index)
        const their = entryAt(theirs.log, index)
        if (mine !== undefined && their !== undefined && !sameEntry(mine, their)) {
          found.push({ invariant: "log-matching", replica: id, detail: `${id} and ${other} differ at ${index}: ${show(mine)} vs ${show(their)}` })
          return
        }
      }
    }
  }

  /** A leader's log holds every entry committed in earlier terms (§5.4.3), checked once per leader and term. */
  private leaderCompleteness(id: NodeId, state: RaftState, found: Array<Violation>): void {
    const key = `${id}@${state.term}`
    if (state.role !== "leader" || this.completeFor.has(key)) return
    this.completeFor.add(key)
    for (const [index, entry] of this.committed) {
      if (entry.term >= state.term || index <= state.log.base) continue
      const held = entryAt(state.log, index)
      if (held === undefined || !sameEntry(held, entry)) {
        found.push({
          invariant: "leader-completeness",
          replica: id,
          detail: `leader of term ${state.term} holds ${show(held)} at ${index}, where ${show(entry)} was committed`
        })
        return
      }
    }
  }
}
