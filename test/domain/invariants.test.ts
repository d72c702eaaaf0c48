import { describe, expect, it } from "vitest"
import type { NodeId } from "../../src/domain/ids.ts"
import { RaftInvariants } from "../../src/domain/raft/invariants/invariants.ts"
import type { Violation } from "../../src/domain/raft/invariants/violation.ts"
import type { Log } from "../../src/domain/raft/log/log.ts"
import { applyEntry, emptyStateMachine } from "../../src/domain/raft/log/stateMachine.ts"
import { send } from "../../src/domain/raft/outputs.ts"
import { stateWith, type RaftState } from "../../src/domain/raft/state.ts"
import { PersistentMap } from "../../src/domain/raft/structures/persistentMap.ts"
import type { Entry } from "../../src/domain/wire/messages.ts"
import { CLIENT, entry, freshState, N0, N1, N2, N3, N4, vote } from "./builders.ts"

/**
 * A replica's state with the fields the checker reads set by hand; its state machine is what
 * its committed entries make, and its log starts at index 1. Tests hand the same
 * entry objects to every state that holds them, as replicas do: a replica never copies an
 * entry it holds, so the checker takes an entry it has not seen at an index for a new one.
 */
const replica = (
  self: NodeId,
  fields: {
    readonly role?: RaftState["role"]
    readonly term: number
    readonly votedFor?: NodeId
    readonly log: ReadonlyArray<Entry>
    readonly commitIndex?: number
  }
): RaftState => {
  const log: Log = { base: 0, baseTerm: 0, entries: fields.log }
  const commitIndex = fields.commitIndex ?? 0
  let machine = emptyStateMachine()
  for (const applied of fields.log.slice(0, commitIndex)) machine = applyEntry(machine, applied)
  // A leader made here has no leader state, which the checker never reads: hence the cast.
  const state = stateWith(freshState(self), {
    term: fields.term,
    votedFor: fields.votedFor,
    log,
    commitIndex,
    machine
  })
  return { ...state, role: fields.role ?? "follower" } as RaftState
}

const put = (t: number, value: string, key = "k"): Entry => entry(t, { key, value, client: CLIENT, mid: `${key}${value}` })

const observe = (checker: RaftInvariants, ...states: ReadonlyArray<RaftState>): ReadonlyArray<Violation> =>
  checker.observe(new Map(states.map((state) => [state.config.self, state])))

const names = (violations: ReadonlyArray<Violation>) => violations.map((v) => v.invariant)

/** `voters` are seen granting `leader` their votes in `term` (the leader votes for itself). */
const elect = (checker: RaftInvariants, leader: NodeId, term: number, voters: ReadonlyArray<NodeId>) =>
  observe(checker, ...[leader, ...voters].map((voter) => replica(voter, { term, votedFor: leader, log: [] })))

describe("Election Safety (§5.2): every leader won a majority of its term's votes, and each voter gave one", () => {
  it("accepts a leader whose majority is on record, and catches one that leads without it, rival or not", () => {
    const checker = new RaftInvariants()
    expect(elect(checker, N0, 3, [N1, N2])).toEqual([])
    expect(observe(checker, replica(N0, { role: "leader", term: 3, votedFor: N0, log: [] }))).toEqual([])
    expect(elect(checker, N3, 4, [N4])).toEqual([])
    const short = observe(checker, replica(N3, { role: "leader", term: 4, votedFor: N3, log: [] }))
    expect(short).toEqual([{ invariant: "election-safety", replica: N3, detail: "0003 leads term 4 with the votes of 0003, 0004, short of a majority of 5" }])
  })

  it("catches two leaders of one term, even seen at different moments", () => {
    const checker = new RaftInvariants()
    elect(checker, N0, 3, [N1, N2])
    observe(checker, replica(N0, { role: "leader", term: 3, votedFor: N0, log: [] }))
    const second = observe(checker, replica(N0, { term: 3, votedFor: N0, log: [] }), replica(N3, { role: "leader", term: 3, log: [] }))
    expect(second).toContainEqual(expect.objectContaining({ invariant: "election-safety", detail: "0000 and 0003 both led term 3" }))
  })

  it("a vote stands for the whole term, as recorded and as sent", () => {
    const recorded = new RaftInvariants()
    observe(recorded, replica(N1, { term: 2, votedFor: N0, log: [] }))
    expect(names(observe(recorded, replica(N1, { term: 2, votedFor: N3, log: [] })))).toEqual(["vote-once", "vote-once"])
    expect(observe(recorded, replica(N1, { term: 3, votedFor: N3, log: [] }))).toEqual([])

    const sent = new RaftInvariants()
    const voter = replica(N2, { term: 2, votedFor: N0, log: [] })
    const grant = send({ src: N2, dst: N3, leader: N0, type: "voted", term: 2, granted: true, pre: false })
    const input = { _tag: "Message", message: vote({ src: N3, term: 2 }) } as const
    expect(sent.observeStep(N2, input, { state: voter, outputs: [grant], wakeAt: 10 }, 0)).toEqual([
      { invariant: "vote-once", replica: N2, detail: "0002 granted its vote in term 2 to 0000, then to 0003" }
    ])
  })
})

describe("the log: Leader Append-Only, Log Matching over the whole prefix, entries committed stay", () => {
  it("accepts a leader that replicates and commits, and followers that catch up", () => {
    const checker = new RaftInvariants()
    const noop = entry(1)
    const a = put(1, "a")
    elect(checker, N0, 1, [N1, N2])
    expect(observe(checker, replica(N0, { role: "leader", term: 1, votedFor: N0, log: [noop] }), replica(N1, { term: 1, votedFor: N0, log: [] }))).toEqual([])
    const log = [noop, a]
    expect(observe(checker, replica(N0, { role: "leader", term: 1, votedFor: N0, log, commitIndex: 2 }), replica(N1, { term: 1, votedFor: N0, log, commitIndex: 1 }))).toEqual([])
    expect(observe(checker, replica(N1, { term: 1, votedFor: N0, log, commitIndex: 2 }))).toEqual([])
  })

  it("Leader Append-Only: a leader overwriting or dropping its own entries in its term", () => {
    const overwriting = new RaftInvariants()
    elect(overwriting, N0, 2, [N1, N2])
    const noop = entry(2)
    observe(overwriting, replica(N0, { role: "leader", term: 2, votedFor: N0, log: [noop, put(2, "a")] }))
    expect(names(observe(overwriting, replica(N0, { role: "leader", term: 2, votedFor: N0, log: [noop, put(2, "b")] })))).toEqual([
      "leader-append-only",
      "log-matching"
    ])
    const dropping = new RaftInvariants()
    elect(dropping, N0, 2, [N1, N2])
    observe(dropping, replica(N0, { role: "leader", term: 2, votedFor: N0, log: [noop, put(2, "a")] }))
    expect(names(observe(dropping, replica(N0, { role: "leader", term: 2, votedFor: N0, log: [noop] })))).toEqual(["leader-append-only"])
  })

  it("Log Matching: same index and term, different entries", () => {
    const checker = new RaftInvariants()
    const noop = entry(1)
    expect(names(observe(checker, replica(N0, { term: 2, log: [noop, put(2, "a")] }), replica(N1, { term: 2, log: [noop, put(2, "b")] })))).toEqual([
      "log-matching"
    ])
  })

  it("Log Matching: two logs that agree at their end but part far below it are caught where they part", () => {
    const checker = new RaftInvariants()
    const shared = Array.from({ length: 20 }, (_, i) => put(2, `s${i}`))
    const mine = [entry(1), ...shared]
    const theirs = [entry(2), ...shared]
    const found = observe(checker, replica(N0, { term: 2, log: mine }), replica(N1, { term: 2, log: theirs }))
    expect(found).toEqual([
      {
        invariant: "log-matching",
        replica: N1,
        detail: `0001 holds ${JSON.stringify(shared[0])} at 2 after an entry of term 2, where 0000 held ${JSON.stringify(shared[0])} after one of term 1`
      }
    ])
  })

  it("State Machine Safety: two replicas commit different entries at one index", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N0, { term: 2, log: [put(1, "a")], commitIndex: 1 }))
    expect(names(observe(checker, replica(N1, { term: 2, log: [put(2, "b")], commitIndex: 1 })))).toContain("state-machine-safety")
  })

  it("Leader Completeness: a leader of a later term without an entry committed before it", () => {
    const checker = new RaftInvariants()
    const noop = entry(1)
    observe(checker, replica(N1, { term: 1, log: [noop, put(1, "a")], commitIndex: 2 }))
    elect(checker, N2, 2, [N3, N4])
    expect(names(observe(checker, replica(N2, { role: "leader", term: 2, votedFor: N2, log: [noop] })))).toEqual(["leader-completeness"])
  })

  it("at one replica, a commit index never falls nor passes the log's end, and a committed entry is never rewritten", () => {
    const log = [entry(1), put(1, "a")]
    const falling = new RaftInvariants()
    observe(falling, replica(N0, { term: 1, log, commitIndex: 2 }))
    expect(names(observe(falling, replica(N0, { term: 1, log, commitIndex: 1 })))).toEqual(["commit-monotonic"])

    const rewriting = new RaftInvariants()
    observe(rewriting, replica(N0, { term: 1, log, commitIndex: 2 }))
    expect(names(observe(rewriting, replica(N0, { term: 2, log: [log[0] as Entry, put(2, "b")], commitIndex: 2 })))).toContain("committed-entry-kept")

    const overreaching = new RaftInvariants()
    expect(names(observe(overreaching, replica(N0, { term: 1, log: [entry(1)], commitIndex: 0 }))).concat(
      names(observe(overreaching, stateWith(replica(N0, { term: 1, log: [entry(1)] }), { commitIndex: 2 })))
    )).toEqual(["commit-within-log"])
  })

  it("a term never goes back", () => {
    const checker = new RaftInvariants()
    observe(checker, replica(N0, { term: 3, log: [] }))
    expect(names(observe(checker, replica(N0, { term: 2, log: [] })))).toEqual(["term-monotonic"])
  })
})

describe("the replicas' state machines agree at every applied index", () => {
  it("catches a state machine that does not say what its committed entries say, and not two that say it in another order", () => {
    const checker = new RaftInvariants()
    const log = [put(1, "1", "a"), put(1, "2", "b")]
    observe(checker, replica(N0, { term: 1, log, commitIndex: 2 }))
    const reordered = { data: PersistentMap.empty<string, string>().set("b", "2").set("a", "1"), applied: emptyStateMachine().applied }
    expect(observe(checker, stateWith(replica(N1, { term: 1, log, commitIndex: 2 }), { machine: reordered }))).toEqual([])
    const corrupted = { data: PersistentMap.empty<string, string>().set("a", "1").set("b", "3"), applied: emptyStateMachine().applied }
    expect(observe(checker, stateWith(replica(N2, { term: 1, log, commitIndex: 2 }), { machine: corrupted }))).toEqual([
      { invariant: "machines-agree", replica: N2, detail: "0002's state machine at applied index 2 differs from 0000's there" }
    ])
  })

  it("follows each machine as it applies entries, so a divergence stays visible at later indexes", () => {
    const checker = new RaftInvariants()
    const log = [put(1, "1", "a"), put(1, "2", "b"), put(1, "3", "c")]
    const honest = replica(N0, { term: 1, log, commitIndex: 1 })
    const bent = stateWith(replica(N1, { term: 1, log, commitIndex: 1 }), {
      machine: { data: PersistentMap.empty<string, string>().set("a", "x"), applied: emptyStateMachine().applied }
    })
    observe(checker, honest)
    expect(names(observe(checker, bent))).toEqual(["machines-agree"])
    // Both apply the next entries the ordinary way, through their own maps.
    const later = (state: RaftState) => stateWith(state, { commitIndex: 3, machine: applyEntry(applyEntry(state.machine, log[1] as Entry), log[2] as Entry) })
    expect(observe(checker, later(honest))).toEqual([])
    expect(names(observe(checker, later(bent)))).toEqual(["machines-agree"])
  })
})

describe("what a step produces", () => {
  const input = { _tag: "Timeout" } as const
  const state = replica(N0, { term: 1, log: [] })

  it("a timer expiry leaves the next one in the future", () => {
    expect(names(new RaftInvariants().observeStep(N0, input, { state, outputs: [], wakeAt: 5 }, 5))).toEqual(["timer-moves"])
    expect(new RaftInvariants().observeStep(N0, input, { state, outputs: [], wakeAt: 6 }, 5)).toEqual([])
  })

  it("every datagram goes out under the replica's own name and decodes to the message sent", () => {
    const stranger = send({ src: N1, dst: N2, leader: N0, type: "probe", term: 1 })
    const undecodable = send({ src: N0, dst: N2, leader: N0, type: "probe", term: 2 ** 60 })
    const fine = send({ src: N0, dst: N2, leader: N0, type: "probe", term: 1 })
    const check = (output: ReturnType<typeof send>) => new RaftInvariants().observeStep(N0, input, { state, outputs: [output], wakeAt: 6 }, 5)
    expect(check(stranger)).toEqual([{ invariant: "valid-output", replica: N0, detail: "sent a datagram as 0001" }])
    expect(names(check(undecodable))).toEqual(["valid-output"])
    expect(check(fine)).toEqual([])
  })
})
