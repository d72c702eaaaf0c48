import type { NodeId } from "../../ids.ts"
import type { Entry } from "../../wire/messages.ts"
import { entryAt, lastIndex, type Log, termAt } from "../log/log.ts"
import type { Output } from "../outputs.ts"
import { clusterSize, type RaftState } from "../state.ts"
import type { Input, Step } from "../step.ts"
import { sameEntry, showEntry } from "./entries.ts"
import { EntryRegistry } from "./entryRegistry.ts"
import { MachineDigest } from "./machineDigest.ts"
import { stepOutputViolation } from "./stepOutputs.ts"
import type { InvariantName, Violation } from "./violation.ts"
import { VoteLedger } from "./votes.ts"

interface Seen {
  state: RaftState
  readonly digest: MachineDigest
}

/**
 * The lowest index at which `now` holds another entry than `was` held (one past its end when
 * it only lost entries or gained none). A replica's log changes only at its end: appends, a
 * truncation from a conflict on, a prefix compacted away; so walking down from the end to the
 * first entry still held as the very same object finds every new entry, at a cost of one step
 * per new entry.
 */
const firstNewIndex = (was: Log, now: Log): number => {
  let index = lastIndex(now)
  while (index > now.base && entryAt(now, index) !== entryAt(was, index)) index--
  return index + 1
}

/**
 * The Raft paper's safety properties (Figure 3) and what each replica must keep by itself,
 * checked across every replica after every step of a run. It remembers what the run has shown
 * — every vote granted, the leader of each term, every (index, term) a log has held, the entry
 * committed at each index, the state machine's digest at each applied index — so a violation
 * is caught at the step that makes it, even when the replicas that would show it are never in
 * view at the same instant. Each step costs what it changed: the entries it appended or
 * committed, the keys it wrote.
 *
 * Used by the fault campaign (through the simulation's `observe`, with states only) and by the
 * hostile-datagram fuzzer (with each step's input and outputs too).
 */
export class RaftInvariants {
  private readonly replicas = new Map<NodeId, Seen>()
  private readonly votes = new VoteLedger()
  private readonly entries = new EntryRegistry()
  private readonly committed = new Map<number, Entry>()
  /** For Leader Completeness: the highest index first committed while its committer was in each term. */
  private readonly committedInTerm = new Map<number, number>()
  private readonly digests = new Map<number, { readonly digest: number; readonly replica: NodeId }>()

  /** Checks every replica whose state changed since it was last seen; returns what no longer holds. */
  observe(states: ReadonlyMap<NodeId, RaftState>): ReadonlyArray<Violation> {
    const found: Array<Violation> = []
    for (const [id, state] of states) this.check(id, state, [], found)
    return found
  }

  /** Checks one replica's step whole: its new state, what it sent (votes it granted among them) and its timer. */
  observeStep(id: NodeId, input: Input, result: Step, now: number): ReadonlyArray<Violation> {
    const found: Array<Violation> = []
    const output = stepOutputViolation(id, input, result, now)
    if (output !== undefined) found.push(output)
    this.check(id, result.state, result.outputs, found)
    return found
  }

  private check(id: NodeId, state: RaftState, outputs: ReadonlyArray<Output>, found: Array<Violation>): void {
    let seen = this.replicas.get(id)
    if (seen?.state === state) return
    const before = seen?.state
    if (seen === undefined) {
      seen = { state, digest: new MachineDigest() }
      this.replicas.set(id, seen)
    } else seen.state = state
    const flag = (invariant: InvariantName, detail: string | undefined): void => {
      if (detail !== undefined) found.push({ invariant, replica: id, detail })
    }
    if (before !== undefined && state.term < before.term) flag("term-monotonic", `term went back from ${before.term} to ${state.term}`)
    this.checkVotes(id, before, state, outputs, flag)
    if (before === undefined || state.log !== before.log) this.checkLog(id, before, state, flag)
    this.checkCommits(before, state, flag)
    if (state.role === "leader" && (before?.role !== "leader" || before.term !== state.term)) {
      flag("election-safety", this.votes.leads(state.term, id, clusterSize(state)))
      flag("leader-completeness", this.leaderCompleteness(state))
    }
    if (before === undefined || state.machine.data !== before.machine.data || state.commitIndex !== before.commitIndex) {
      flag("machines-agree", this.machinesAgree(id, state, seen.digest))
    }
  }

  /** A vote stands for the whole term (§5.2), as recorded and as sent. */
  private checkVotes(
    id: NodeId,
    before: RaftState | undefined,
    state: RaftState,
    outputs: ReadonlyArray<Output>,
    flag: (invariant: InvariantName, detail: string | undefined) => void
  ): void {
    if (before !== undefined && before.term === state.term && before.votedFor !== undefined && state.votedFor !== before.votedFor) {
      flag("vote-once", `voted for ${before.votedFor} in term ${state.term}, then for ${state.votedFor ?? "no one"}`)
    }
    if (state.votedFor !== undefined) flag("vote-once", this.votes.grant(state.term, id, state.votedFor))
    for (const output of outputs) {
      const message = output._tag === "Send" ? output.message : undefined
      if (message?.type === "voted" && message.granted && !message.pre) flag("vote-once", this.votes.grant(message.term, id, message.dst))
    }
  }

  /**
   * Over the entries new since the log was last seen: a committed entry is never rewritten or
   * lost (State Machine Safety at one replica), a leader only appends in its term (§5.3), and
   * every new entry matches what any other log held at its index and term (Log Matching).
   */
  private checkLog(id: NodeId, before: RaftState | undefined, state: RaftState, flag: (invariant: InvariantName, detail: string | undefined) => void): void {
    const log = state.log
    const first = before === undefined ? log.base + 1 : firstNewIndex(before.log, log)
    if (before !== undefined && first <= before.commitIndex) {
      flag("committed-entry-kept", `committed entry ${first} ${showEntry(entryAt(before.log, first))} became ${showEntry(entryAt(log, first))}`)
    }
    if (before?.role === "leader" && state.role === "leader" && before.term === state.term && first <= lastIndex(before.log)) {
      flag("leader-append-only", `as leader of term ${state.term}, replaced its entries from ${first} (${showEntry(entryAt(before.log, first))} became ${showEntry(entryAt(log, first))})`)
    }
    if (before === undefined || log.base !== before.log.base) {
      const committed = this.committed.get(log.base)
      if (committed !== undefined && committed.term !== log.baseTerm) {
        flag("state-machine-safety", `snapshot through ${log.base} ends in term ${log.baseTerm}, where ${showEntry(committed)} was committed`)
      }
    }
    for (let index = first; index <= lastIndex(log); index++) {
      const entry = entryAt(log, index) as Entry
      flag("log-matching", this.entries.check(id, index, entry, termAt(log, index - 1) as number))
    }
  }

  /** The commit index only grows and stays within the log; no two replicas commit different entries at one index (Figure 3). */
  private checkCommits(before: RaftState | undefined, state: RaftState, flag: (invariant: InvariantName, detail: string | undefined) => void): void {
    const was = before?.commitIndex ?? 0
    if (state.commitIndex < was) flag("commit-monotonic", `commit index fell from ${was} to ${state.commitIndex}`)
    if (state.commitIndex > lastIndex(state.log)) flag("commit-within-log", `commit index ${state.commitIndex} is past the log's end ${lastIndex(state.log)}`)
    for (let index = Math.max(was, state.log.base) + 1; index <= Math.min(state.commitIndex, lastIndex(state.log)); index++) {
      const entry = entryAt(state.log, index) as Entry
      const first = this.committed.get(index)
      if (first === undefined) {
        this.committed.set(index, entry)
        this.committedInTerm.set(state.term, Math.max(this.committedInTerm.get(state.term) ?? 0, index))
      } else if (!sameEntry(first, entry)) {
        flag("state-machine-safety", `committed ${showEntry(entry)} at ${index}, where ${showEntry(first)} was committed before`)
      }
    }
  }

  /**
   * A leader holds every entry committed in earlier terms (§5.4). Holding the highest of them,
   * the same entry at the same index, is enough: Log Matching, checked on every entry, makes
   * everything below it the same too.
   */
  private leaderCompleteness(state: RaftState): string | undefined {
    let highest = 0
    for (const [term, index] of this.committedInTerm) if (term < state.term && index > highest) highest = index
    const committed = this.committed.get(highest)
    if (committed === undefined) return undefined
    const log = state.log
    const holds = highest > log.base ? sameEntry(entryAt(log, highest), committed) : highest < log.base || log.baseTerm === committed.term
    return holds ? undefined : `leader of term ${state.term} holds ${showEntry(entryAt(log, highest))} at ${highest}, where ${showEntry(committed)} was committed`
  }

  /** Every replica's state machine is the same at every applied index: the first to apply it sets the digest. */
  private machinesAgree(id: NodeId, state: RaftState, digest: MachineDigest): string | undefined {
    const mine = digest.of(state.machine.data)
    const first = this.digests.get(state.commitIndex)
    if (first === undefined) {
      this.digests.set(state.commitIndex, { digest: mine, replica: id })
      return undefined
    }
    return first.digest === mine ? undefined : `${id}'s state machine at applied index ${state.commitIndex} differs from ${first.replica}'s there`
  }
}
