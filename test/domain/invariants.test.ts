import { describe, expect, it } from "vitest"
import type { NodeId } from "../../src/domain/ids.ts"
import { RaftInvariants } from "../../src/domain/raft/invariants.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import type { Entry } from "../../src/domain/wire/messages.ts"
import { CLIENT, entry, freshState, N0, N1, N2 } from "./builders.ts"

/**
 * A replica's state with just the fields the invariants read set by hand. A leader made here
 * has no leader state, which the invariants never read: hence the cast.
 */
const replica = (
  self: NodeId,
  fields: { readonly role?: RaftState["role"]; readonly term: number; readonly log: ReadonlyArray<Entry>; readonly commitIndex?: number }
): RaftState =>
  ({
    ...freshState(self),
    role: fields.role ?? "follower",
    term: fields.term,
    log: { base: 0, baseTerm: 0, entries: fields.log },
    commitIndex: fields.commitIndex ?? 0
  }) as RaftState

const put = (t: number, value: string, mid = value): Entry => entry(t, { key: "k", value, client: CLIENT, mid })

const observe = (checker: RaftInvariants, ...states: ReadonlyArray<RaftState>) =>
  checker.observe(new Map(states.map((state) => [state.config.self, state])))

const names = (violations: ReadonlyArray<{ readonly invariant: string }>) => violations.map((v) => v.invariant)

describe("Raft invariants (Figure 3), checked across replicas over a run", () => {
  it("accepts a legal history: a leader replicates and commits, a follower catches up", () => {
    const checker = new RaftInvariants()
    const log = [entry(1), put(1, "a")]
    expect(observe(checker, replica(N0, { role: "leader", term: 1, log: [entry(1)] }), replica(N1, { term: 1, log: [] }))).toEqual([])
    expect(observe(checker, replica(N0, { role: "leader", term: 1, log, commitIndex: 2 }), replica(N1, { term: 1, log, commitIndex: 1 }))).toEqual([])
    expect(observe(checker, replica(N0, { role: "leader", term: 1, log, commitIndex: 2 }), replica(N1, { term: 1, log, commitIndex: 2 }))).toEqual([])
  })

  it("Election Safety: two leaders of one term, even seen at different moments", () => {
    const checker = new RaftInvariants()
    expect(observe(checker, replica(N0, { role: "leader", term: 3, log: [] }))).toEqual([])
    expect(names(observe(checker, replica(N0, { term: 3, log: [] }), replica(N1, { role: "leader", term: 3, log: [] })))).toEqual([
      "election-safety"
    ])
  })

  it("Leader Append-Only: a leader overwriting its own entry in its term", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N0, { role: "leader", term: 2, log: [entry(2), put(2, "a")] }))
    expect(names(observe(checker, replica(N0, { role: "leader", term: 2, log: [entry(2), put(2, "b")] })))).toEqual(["leader-append-only"])
    const shrinking = new RaftInvariants()
    observe(shrinking, replica(N0, { role: "leader", term: 2, log: [entry(2), put(2, "a")] }))
    expect(names(observe(shrinking, replica(N0, { role: "leader", term: 2, log: [entry(2)] })))).toEqual(["leader-append-only"])
  })

  it("Log Matching: same index and term, different entries", () => {
    const checker = new RaftInvariants()
    const violations = observe(checker, replica(N0, { term: 2, log: [entry(1), put(2, "a")] }), replica(N1, { term: 2, log: [entry(1), put(2, "b")] }))
    expect(names(violations)).toContain("log-matching")
  })

  it("State Machine Safety: two replicas commit different entries at one index", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N0, { term: 2, log: [put(1, "a")], commitIndex: 1 }))
    const violations = observe(checker, replica(N1, { term: 2, log: [put(2, "b")], commitIndex: 1 }))
    expect(names(violations)).toContain("state-machine-safety")
  })

  it("Leader Completeness: a later leader without an entry committed before it", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N1, { term: 1, log: [entry(1), put(1, "a")], commitIndex: 2 }))
    const violations = observe(checker, replica(N2, { role: "leader", term: 2, log: [entry(1)] }))
    expect(names(violations)).toEqual(["leader-completeness"])
  })

  it("a commit index never moves back", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N0, { term: 1, log: [entry(1), put(1, "a")], commitIndex: 2 }))
    expect(names(observe(checker, replica(N0, { term: 1, log: [entry(1), put(1, "a")], commitIndex: 1 })))).toEqual(["commit-monotonic"])
  })
})
