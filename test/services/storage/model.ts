import fc from "fast-check"
import type { HardState, LogEntry, Recovered, Snapshot } from "../../../src/services/storage/Storage.ts"

/**
 * A reference model of the store, independent of both layers: the ops the tests issue, what
 * each does to the state, and the state as `load` must show it.
 */
export type Op =
  | { readonly _tag: "HardState"; readonly hardState: HardState }
  | { readonly _tag: "Append"; readonly entries: ReadonlyArray<LogEntry> }
  | { readonly _tag: "Truncate"; readonly from: number }
  /** saveSnapshot, then dropPrefix up to it once it is durable. */
  | { readonly _tag: "Snapshot"; readonly snapshot: Snapshot }

export interface ModelState {
  readonly hardState: HardState
  readonly snapshot: Snapshot | undefined
  /** Every entry written and not truncated, by index. */
  readonly log: ReadonlyMap<number, LogEntry>
  readonly lastIndex: number
}

export const emptyModel: ModelState = {
  hardState: { term: 0, votedFor: undefined },
  snapshot: undefined,
  log: new Map(),
  lastIndex: 0
}

const snapshotIndex = (state: ModelState) => state.snapshot?.lastIncludedIndex ?? 0

export const apply = (state: ModelState, op: Op): ModelState => {
  switch (op._tag) {
    case "HardState":
      return { ...state, hardState: op.hardState }
    case "Snapshot":
      return { ...state, snapshot: op.snapshot }
    case "Truncate": {
      const log = new Map([...state.log].filter(([index]) => index < op.from))
      return { ...state, log, lastIndex: Math.min(state.lastIndex, op.from - 1) }
    }
    case "Append": {
      const log = new Map(state.log)
      for (const entry of op.entries) log.set(entry.index, entry)
      return { ...state, log, lastIndex: op.entries.at(-1)!.index }
    }
  }
}

/** The state as `load` returns it, in a form `toEqual` compares byte for byte. */
export const view = (state: ModelState) => {
  const after = snapshotIndex(state)
  const entries: Array<LogEntry> = []
  for (let index = after + 1; index <= state.lastIndex; index++) entries.push(state.log.get(index)!)
  return shown({ hardState: state.hardState, snapshot: state.snapshot, entries })
}

export const shownEntry = (entry: LogEntry) => `${entry.index}/${entry.term}/${Buffer.from(entry.payload).toString("hex")}`

export const shownSnapshot = (snapshot: Snapshot | undefined) =>
  snapshot === undefined ? null : { ...snapshot, data: Buffer.from(snapshot.data).toString("hex") }

export const shown = (recovered: Recovered) => ({
  hardState: { term: recovered.hardState.term, votedFor: recovered.hardState.votedFor ?? null },
  snapshot: shownSnapshot(recovered.snapshot),
  entries: recovered.entries.map(shownEntry)
})

/** A payload that names its entry, so a misplaced or mixed-up entry shows. */
export const payload = (index: number, term: number, size: number): Uint8Array =>
  Uint8Array.from({ length: 4 + size }, (_, i) => (i < 4 ? (index >> (8 * i)) & 0xff : (index * 31 + term * 7 + i) & 0xff))

/** What to do next, resolved against the model so that every op is one the store accepts. */
type Choice =
  | { readonly kind: "append"; readonly count: number; readonly bump: boolean; readonly size: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "vote"; readonly bump: boolean; readonly voted: boolean }
  /** `beyond`: a leader's snapshot that reaches past this log, as a follower installs it. */
  | { readonly kind: "snapshot"; readonly at: number; readonly size: number; readonly beyond: boolean }

const choice: fc.Arbitrary<Choice> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("append" as const), count: fc.integer({ min: 1, max: 4 }), bump: fc.boolean(), size: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("vote" as const), bump: fc.boolean(), voted: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("snapshot" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), size: fc.integer({ min: 0, max: 100 }), beyond: fc.boolean() }) }
)

const resolve = (state: ModelState, c: Choice): Op | undefined => {
  const after = snapshotIndex(state)
  const lastTerm = state.log.get(state.lastIndex)?.term ?? state.snapshot?.lastIncludedTerm ?? 0
  switch (c.kind) {
    case "append": {
      const first = Math.max(state.lastIndex, after) + 1
      const term = Math.max(lastTerm, state.hardState.term) + (c.bump ? 1 : 0)
      return { _tag: "Append", entries: Array.from({ length: c.count }, (_, i) => ({ index: first + i, term, payload: payload(first + i, term, c.size) })) }
    }
    case "truncate":
      return state.lastIndex <= after ? undefined : { _tag: "Truncate", from: after + 1 + Math.floor(c.at * (state.lastIndex - after)) }
    case "vote": {
      const term = state.hardState.term + (c.bump ? 1 : 0)
      return { _tag: "HardState", hardState: { term, votedFor: c.voted ? `N${term}` : undefined } }
    }
    case "snapshot": {
      if (c.beyond) {
        const index = Math.max(state.lastIndex, after) + 1 + Math.floor(c.at * 3)
        const term = Math.max(lastTerm, state.hardState.term)
        return { _tag: "Snapshot", snapshot: { lastIncludedIndex: index, lastIncludedTerm: term, data: payload(index, term, c.size) } }
      }
      if (state.lastIndex <= after) return undefined
      const index = after + 1 + Math.floor(c.at * (state.lastIndex - after - 1))
      const term = state.log.get(index)!.term
      return { _tag: "Snapshot", snapshot: { lastIncludedIndex: index, lastIncludedTerm: term, data: payload(index, term, c.size) } }
    }
  }
}

/**
 * Ops in rounds: the ops of a round are issued together (concurrently), rounds one after
 * another; a snapshot is a round of its own, its two calls in sequence. `states[k]` is the
 * model after the first k ops.
 */
export interface Script {
  readonly rounds: ReadonlyArray<ReadonlyArray<Op>>
  readonly states: ReadonlyArray<ModelState>
}

export const script: fc.Arbitrary<Script> = fc
  .array(fc.tuple(choice, fc.boolean()), { minLength: 1, maxLength: 14 })
  .map((choices) => {
    const rounds: Array<Array<Op>> = []
    const states: Array<ModelState> = [emptyModel]
    for (const [c, together] of choices) {
      const op = resolve(states.at(-1)!, c)
      if (op === undefined) continue
      const round = rounds.at(-1)
      const alone = op._tag === "Snapshot" || round?.[0]?._tag === "Snapshot"
      if (together && !alone && round !== undefined) round.push(op)
      else rounds.push([op])
      states.push(apply(states.at(-1)!, op))
    }
    return { rounds, states }
  })
