/**
 * The Raft paper's rules, one test each, driving the pure reducer `step` with hand-built
 * messages (after etcd's raft_paper_test.go). Sections are the Raft paper's (§5.x) and
 * Ongaro's thesis (§4.2.3 leader stickiness, §6.2 check-quorum, §6.4 lease reads, §9.6 pre-vote).
 * Every replica is N0 of the 5-replica cluster 0000..0004 unless a test says otherwise.
 */
import { describe, expect, it } from "vitest"
import type { NodeId } from "../../src/domain/ids.ts"
import { entryAt, lastIndex } from "../../src/domain/raft/log/log.ts"
import type { Output } from "../../src/domain/raft/outputs.ts"
import { initialState } from "../../src/domain/raft/state.ts"
import { read } from "../../src/domain/raft/log/stateMachine.ts"
import { step } from "../../src/domain/raft/step.ts"
import { UDP_PAYLOAD_BYTES, utf8Bytes } from "../../src/domain/wire/datagramSize.ts"
import { encodeMessage } from "../../src/domain/wire/decode.ts"
import type { WireMessage } from "../../src/domain/wire/messages.ts"
import {
  append,
  acknowledge,
  appended,
  BROADCAST,
  CLIENT,
  CLIENT2,
  commitPuts,
  configFor,
  converse,
  entriesOfTerms,
  entry,
  followLeader,
  get,
  logEnd,
  makeCandidate,
  makeLeader,
  makeSettledLeader,
  N0,
  N1,
  N2,
  N3,
  N4,
  node,
  type OfType,
  overTheWire,
  probe,
  put,
  REPLICAS,
  responses,
  sent,
  sentOf,
  STRANGER,
  timing,
  TestNode,
  vote,
  voted,
  voteFor
} from "./builders.ts"

/** Appends sent to `peer` in these outputs. */
const appendsTo = (outputs: ReadonlyArray<Output>, peer: string) => sentOf(outputs, "append").filter((m) => m.dst === peer)

/** The time between each send and the next, for sends made at `times`. */
const gapsBetween = (times: ReadonlyArray<number>): Array<number> => times.slice(1).map((at, i) => at - times[i]!)

/** A follower of N1 in `term` whose log holds `entries` (heard at time `at`). */
const follower = (term: number, terms: ReadonlyArray<number> = [], at = 0): TestNode => {
  const n = node(N0, at)
  followLeader(n, N1, term, entriesOfTerms(terms))
  return n
}

describe("§5.1 Raft basics: terms", () => {
  it("§5.1 a message with a higher term makes a follower, pre-candidate, candidate or leader a follower of that term", () => {
    const roles: ReadonlyArray<readonly [string, () => TestNode]> = [
      ["follower", () => follower(2)],
      ["precandidate", () => {
        const n = follower(2)
        n.electionTimeout()
        return n
      }],
      ["candidate", () => {
        const n = follower(2)
        makeCandidate(n)
        return n
      }],
      ["leader", () => {
        const n = follower(2)
        makeLeader(n)
        return n
      }]
    ]
    for (const [role, make] of roles) {
      const byAppend = make()
      expect(byAppend.state.role, role).toBe(role)
      const newer = byAppend.state.term + 3
      byAppend.receive(append({ src: N3, term: newer, at: byAppend.now }))
      expect([role, byAppend.state.role, byAppend.state.term, byAppend.state.leader]).toEqual([role, "follower", newer, N3])
      expect(byAppend.state.leaderState).toBeUndefined()

      // An answer from a newer term names no leader: the replica follows the term, leader unknown.
      const byAnswer = make()
      const answer =
        role === "leader"
          ? appended({ src: N4, term: byAnswer.state.term + 1, success: false })
          : voted({ src: N4, term: byAnswer.state.term + 2, granted: false })
      byAnswer.receive(answer)
      expect([role, byAnswer.state.role, byAnswer.state.term, byAnswer.state.leader]).toEqual([
        role,
        "follower",
        answer.term,
        BROADCAST
      ])

      // So does a probe from a newer term; no longer leading, the replica does not answer it.
      const byProbe = make()
      const probed = probe({ src: N4, term: byProbe.state.term + 1 })
      const out = byProbe.receive(probed)
      expect([role, byProbe.state.role, byProbe.state.term, byProbe.state.leader]).toEqual([role, "follower", probed.term, BROADCAST])
      expect(sentOf(out, "append")).toEqual([])
    }
  })

  it("§5.1 an append from an older term is rejected with the newer term and changes nothing", () => {
    const n = follower(3, [1, 3])
    const before = n.state
    const stale = append({ src: N2, term: 2, prevIndex: 2, prevTerm: 2, entries: [entry(2)], commit: 2, at: 77 })
    const result = step(before, { _tag: "Message", message: stale }, { now: 10, random: 0 })
    expect(result.state).toBe(before)
    expect(sent(result.outputs)).toEqual([
      { src: N0, dst: N2, leader: N1, type: "appended", term: 3, at: 77, success: false, match: 0, conflictIndex: 0, conflictTerm: 0 }
    ])
  })

  it("§5.1 a vote request from an older term is refused with the newer term", () => {
    const n = follower(3, [1, 3])
    const before = n.state
    const request = voteFor(N2, 2, { lastIndex: 9, lastTerm: 2 })
    const result = step(before, { _tag: "Message", message: request }, { now: timing.electionMin, random: 0 })
    expect(result.state).toBe(before)
    expect(sent(result.outputs)).toEqual([{ src: N0, dst: N2, leader: N1, type: "voted", term: 3, granted: false, pre: false }])
  })

  it("§5.1 stale answers (voted, appended) from an older term are ignored", () => {
    const n = follower(2)
    makeLeader(n) // term 3
    const before = n.state
    for (const stale of [appended({ src: N1, term: 2, match: 9 }), voted({ src: N3, term: 2 })]) {
      const result = step(before, { _tag: "Message", message: stale }, { now: n.now, random: 0 })
      expect(result.state).toBe(before)
      expect(sent(result.outputs)).toEqual([])
    }
  })
})

describe("§5.2 Leader election", () => {
  it("§5.2/§9.6 an election timeout starts a pre-vote: a broadcast for term + 1 that leaves the replica's own term alone", () => {
    const n = follower(2, [1, 2])
    expect(n.state.electionDeadline).toBe(timing.electionMin)
    expect(sent(n.timeout(timing.electionMin - 1))).toEqual([])
    expect(n.state.role).toBe("follower")

    const out = n.timeout(timing.electionMin)
    expect(n.state).toMatchObject({ role: "precandidate", term: 2, leader: BROADCAST, votedFor: undefined })
    expect(sent(out)).toEqual([
      { src: N0, dst: BROADCAST, leader: BROADCAST, type: "vote", term: 3, lastIndex: 2, lastTerm: 2, pre: true }
    ])
  })

  it("§9.6 a majority of pre-votes makes a candidate of term + 1 that votes for itself and broadcasts vote requests", () => {
    const n = follower(2, [1, 2])
    n.electionTimeout()
    expect(sent(n.receive(voted({ src: N1, term: 3, pre: true })))).toEqual([])
    expect(n.state).toMatchObject({ role: "precandidate", term: 2 })
    // A pre-vote for some other campaign does not count.
    expect(sent(n.receive(voted({ src: N3, term: 4, pre: true })))).toEqual([])
    expect(n.state).toMatchObject({ role: "precandidate", term: 2 })

    const out = n.receive(voted({ src: N2, term: 3, pre: true }))
    expect(n.state).toMatchObject({ role: "candidate", term: 3, votedFor: N0, leader: BROADCAST })
    expect(sent(out)).toEqual([
      { src: N0, dst: BROADCAST, leader: BROADCAST, type: "vote", term: 3, lastIndex: 2, lastTerm: 2, pre: false }
    ])
  })

  it("§5.2 a majority of votes makes a leader that appends a no-op of its term and sends it to every peer", () => {
    const n = follower(2, [1, 2])
    makeCandidate(n)
    expect(sent(n.receive(voted({ src: N1, term: 3 })))).toEqual([])
    expect(n.state.role).toBe("candidate")
    expect(sent(n.receive(voted({ src: N1, term: 3 })))).toEqual([]) // the same voter twice is one vote
    expect(n.state.role).toBe("candidate")

    const out = n.receive(voted({ src: N3, term: 3 }))
    expect(n.state).toMatchObject({ role: "leader", term: 3, leader: N0 })
    expect(lastIndex(n.state.log)).toBe(3)
    expect(entryAt(n.state.log, 3)).toEqual({ term: 3 })
    const appends = sentOf(out, "append")
    expect(appends.map((m) => m.dst).sort()).toEqual([N1, N2, N3, N4])
    for (const m of appends) {
      expect(m).toMatchObject({ src: N0, leader: N0, term: 3, prevIndex: 2, prevTerm: 2, entries: [{ term: 3 }], ack: true })
    }
  })

  it("§5.2 a candidate that hears from a leader of its own term becomes its follower", () => {
    const n = follower(2, [1, 2])
    makeCandidate(n)
    n.receive(append({ src: N4, term: 3, prevIndex: 2, prevTerm: 2, at: n.now }))
    expect(n.state).toMatchObject({ role: "follower", term: 3, leader: N4, votedFor: N0 })
  })

  it("§5.2 a replica grants at most one vote per term, first come first served", () => {
    const n = node()
    const first = n.receive(vote({ src: N1, term: 1 }))
    expect(sentOf(first, "voted")).toEqual([{ src: N0, dst: N1, leader: BROADCAST, type: "voted", term: 1, granted: true, pre: false }])
    const second = n.receive(vote({ src: N2, term: 1 }))
    expect(sentOf(second, "voted")).toEqual([{ src: N0, dst: N2, leader: BROADCAST, type: "voted", term: 1, granted: false, pre: false }])
    expect(n.state.votedFor).toBe(N1)
    // A retransmitted request from the one it voted for is granted again.
    expect(sentOf(n.receive(vote({ src: N1, term: 1 })), "voted")[0]?.granted).toBe(true)
    // A new term frees the vote.
    expect(sentOf(n.receive(vote({ src: N2, term: 2 })), "voted")[0]).toMatchObject({ term: 2, granted: true })
    expect(n.state).toMatchObject({ term: 2, votedFor: N2 })
  })

  it("§4.2.3/§9.6 a replica that heard its leader within electionMin ignores votes and refuses pre-votes; after electionMin of silence it grants them", () => {
    const n = follower(2, [1, 2], 1000)
    expect(n.state.leaderContactAt).toBe(1000)
    const inLease = n.state
    const during = { now: 1000 + timing.electionMin - 1, random: 0 }
    const ignored = step(inLease, { _tag: "Message", message: voteFor(N2, 3, logEnd(inLease)) }, during)
    expect(ignored.state).toBe(inLease)
    expect(sent(ignored.outputs)).toEqual([])
    const refused = step(inLease, { _tag: "Message", message: voteFor(N2, 3, logEnd(inLease), true) }, during)
    expect(refused.state).toBe(inLease)
    expect(sent(refused.outputs)).toEqual([{ src: N0, dst: N2, leader: N1, type: "voted", term: 2, granted: false, pre: true }])

    const out = n.receive(voteFor(N2, 3, logEnd(inLease)), 1000 + timing.electionMin)
    expect(sentOf(out, "voted")).toEqual([{ src: N0, dst: N2, leader: BROADCAST, type: "voted", term: 3, granted: true, pre: false }])
    expect(n.state).toMatchObject({ term: 3, votedFor: N2 })
  })

  it("§4.2.3 a leader disregards vote requests and refuses pre-votes, whatever their term", () => {
    const n = follower(2, [1, 2])
    makeLeader(n)
    const before = n.state
    const at = { now: n.now + 5000, random: 0 }
    const ignored = step(before, { _tag: "Message", message: voteFor(N4, 9, { lastIndex: 50, lastTerm: 8 }) }, at)
    expect(ignored.state).toBe(before)
    expect(sent(ignored.outputs)).toEqual([])
    const refused = step(before, { _tag: "Message", message: voteFor(N4, 9, { lastIndex: 50, lastTerm: 8 }, true) }, at)
    expect(refused.state).toBe(before)
    expect(sent(refused.outputs)).toMatchObject([{ type: "voted", term: before.term, granted: false, pre: true }])
  })

  it("§9.6 a pre-vote is granted without changing the voter's term or vote; a refusal names the voter's term", () => {
    const n = follower(2, [1, 2])
    const before = n.state
    const later = timing.electionMin // out of the lease
    const granted = step(before, { _tag: "Message", message: voteFor(N3, 3, logEnd(before), true) }, { now: later, random: 0 })
    expect(granted.state).toBe(before)
    expect(sent(granted.outputs)).toEqual([{ src: N0, dst: N3, leader: N1, type: "voted", term: 3, granted: true, pre: true }])

    const refusals = [
      voteFor(N3, 2, logEnd(before), true), // not a later term
      voteFor(N3, 3, { lastIndex: 1, lastTerm: 1 }, true) // log behind
    ]
    for (const request of refusals) {
      const refused = step(before, { _tag: "Message", message: request }, { now: later, random: 0 })
      expect(refused.state).toBe(before)
      expect(sent(refused.outputs)).toEqual([{ src: N0, dst: N3, leader: N1, type: "voted", term: 2, granted: false, pre: true }])
    }
    // The pre-vote did not spend the real vote.
    expect(sentOf(n.receive(voteFor(N4, 3, logEnd(before)), later), "voted")[0]).toMatchObject({ granted: true, term: 3 })
  })

  it("§9.6 a pre-candidate refused by a voter of a later term adopts that term, so its next pre-vote can be granted", () => {
    const n = follower(2, [1, 2])
    n.electionTimeout()
    expect(n.state).toMatchObject({ role: "precandidate", term: 2 })
    n.receive(voted({ src: N3, term: 3, granted: false, pre: true }))
    expect(n.state).toMatchObject({ role: "follower", term: 3, leader: BROADCAST })
    expect(sentOf(n.electionTimeout(), "vote")).toMatchObject([{ term: 4, pre: true }])
  })

  it("§9.6 a granted pre-vote names the term asked for and moves no one's term", () => {
    const n = follower(2, [1, 2])
    n.electionTimeout()
    n.receive(voted({ src: N3, term: 3, granted: true, pre: true }))
    expect(n.state).toMatchObject({ role: "precandidate", term: 2 })
    expect([...n.state.votes].sort()).toEqual([N0, N3])
  })

  it("§5.2 a (pre-)candidate asks again only the peers that have not answered, backing off, three times a round", () => {
    const n = follower(2, [1, 2])
    n.electionTimeout()
    const start = n.now
    n.receive(voted({ src: N1, term: 3, granted: true, pre: true }))
    n.receive(voted({ src: N2, term: 2, granted: false, pre: true }))
    const askedAt: Array<number> = []
    for (let t = start; t < start + timing.electionMin; t++) {
      const asks = sentOf(n.timeout(t), "vote")
      if (asks.length === 0) continue
      askedAt.push(t - start)
      expect(asks.map((a) => a.dst).sort()).toEqual([N3, N4])
      expect(asks.every((a) => a.pre && a.term === 3)).toBe(true)
    }
    const r = timing.retransmit
    expect(askedAt).toEqual([r, 3 * r, 7 * r])
  })

  it("§5.2 a candidate whose election times out starts another pre-vote from its current term", () => {
    const n = follower(2, [1, 2])
    makeCandidate(n)
    const out = n.electionTimeout()
    expect(n.state).toMatchObject({ role: "precandidate", term: 3 })
    expect(sentOf(out, "vote")).toEqual([
      { src: N0, dst: BROADCAST, leader: BROADCAST, type: "vote", term: 4, lastIndex: 2, lastTerm: 2, pre: true }
    ])
  })
})

describe("§5.4.1 Election restriction", () => {
  /** A voter out of its lease whose log ends at (index 3, term 3). */
  const voter = () => {
    const n = follower(3, [1, 1, 3])
    n.now = timing.electionMin
    return n
  }
  const answer = (n: TestNode, request: WireMessage) => sentOf(n.receive(request), "voted")

  it("§5.4.1 a vote is refused to a candidate whose last log term is lower, however long its log", () => {
    expect(answer(voter(), voteFor(N2, 4, { lastIndex: 10, lastTerm: 2 }))).toEqual([
      { src: N0, dst: N2, leader: BROADCAST, type: "voted", term: 4, granted: false, pre: false }
    ])
    expect(answer(voter(), voteFor(N2, 4, { lastIndex: 10, lastTerm: 2 }, true))).toMatchObject([{ term: 3, granted: false, pre: true }])
  })

  it("§5.4.1 a vote is refused to a candidate with the same last term but a shorter log", () => {
    const n = voter()
    expect(answer(n, voteFor(N2, 4, { lastIndex: 2, lastTerm: 3 }))[0]).toMatchObject({ granted: false, term: 4 })
    expect(n.state.votedFor).toBeUndefined()
    expect(answer(voter(), voteFor(N2, 4, { lastIndex: 2, lastTerm: 3 }, true))).toMatchObject([{ term: 3, granted: false, pre: true }])
  })

  it("§5.4.1 a vote is granted to a candidate whose log is at least as up-to-date: same term and as long or longer, or a higher last term", () => {
    for (const end of [{ lastIndex: 3, lastTerm: 3 }, { lastIndex: 4, lastTerm: 3 }, { lastIndex: 1, lastTerm: 4 }]) {
      const n = voter()
      expect(answer(n, voteFor(N2, 5, end))[0]).toMatchObject({ granted: true, term: 5 })
      expect(n.state.votedFor).toBe(N2)
      expect(answer(voter(), voteFor(N2, 5, end, true))[0]).toMatchObject({ granted: true, term: 5, pre: true })
    }
  })
})

describe("§5.3 Log replication", () => {
  /**
   * Feeds `n` one put per millisecond; `answer` picks, by their running count, which append
   * datagrams the followers in `alive` acknowledge. Returns, per put, where its appends went.
   */
  const fanOutOf = (n: TestNode, alive: ReadonlyArray<NodeId> = [N1, N2, N3, N4]) => {
    let sentSoFar = 0
    let i = 0
    return (count: number, answer: (count: number) => boolean): ReadonlyArray<string> =>
      Array.from({ length: count }, () => {
        const appends = sentOf(n.receive(put({ MID: `f${i++}`, key: "k", value: `${i}`, leader: n.self }), n.now + 1), "append")
        for (const m of appends) {
          const answered = answer(sentSoFar++)
          if (answered && alive.includes(m.dst)) {
            n.receive(appended({ src: m.dst, dst: n.self, term: m.term, match: m.prevIndex + m.entries.length, at: m.at }))
          }
        }
        const followers = new Set(appends.map((m) => m.dst))
        return `${followers.size}×${appends.length / followers.size}`
      })
  }

  it("§5.3 a new put goes to two followers in turn, and twice to all four once fewer than 58% of appends are answered, until answers come back", () => {
    const n = node()
    makeSettledLeader(n)
    const puts = fanOutOf(n)
    expect(new Set(puts(40, () => true))).toEqual(new Set(["2×1"]))
    // Two answers in five: as at 30% drops each way.
    const lossy = puts(150, (count) => count % 5 < 2)
    expect(lossy.slice(0, 5)).toEqual(Array(5).fill("2×1"))
    expect(new Set(lossy.slice(-50))).toEqual(new Set(["4×2"]))
    const healed = puts(80, () => true)
    expect(healed.slice(-5)).toEqual(Array(5).fill("2×1"))
  })

  it("§5.3 a new leader on a lossy network sends its puts only to the followers that have answered it", () => {
    const n = node()
    makeSettledLeader(n)
    const electedAt = n.now
    // N3 and N4 died with the old leader; N1 and N2 answer two appends in five. All within
    // the first election timeout of the term, while the dead ones still count as heard.
    const puts = fanOutOf(n, [N1, N2])
    const lossy = puts(150, (count) => count % 5 < 2)
    expect(n.now - electedAt).toBeLessThan(timing.electionMin)
    expect(new Set(lossy.slice(-50))).toEqual(new Set(["2×2"]))
  })

  /**
   * A settled leader whose puts, 10 ms apart, are answered `rtt` ms after they were sent; then
   * one put only one of whose two appends is answered. Returns how long after that put the
   * leader sent it again, and to whom it went first and then.
   */
  const resendAfterRoundTripsOf = (rtt: number) => {
    const n = node()
    makeSettledLeader(n)
    const appendsOfPut = (MID: string, at: number) => sentOf(n.receive(put({ MID, key: "k", value: MID, leader: n.self }), at), "append")
    const answer = (m: OfType<"append">, at: number) =>
      n.receive(appended({ src: m.dst, term: m.term, match: m.prevIndex + m.entries.length, at: m.at }), at)
    for (let i = 0; i < 30; i++) {
      const at = n.now + 10
      for (const m of appendsOfPut(`w${i}`, at)) answer(m, at + rtt)
    }
    const lostAt = n.now + 10
    const [answered, lost] = appendsOfPut("lost", lostAt)
    answer(answered!, lostAt + rtt)
    let resent: ReadonlyArray<WireMessage> = []
    while (resent.length === 0 && n.lastWake < lostAt + timing.heartbeat) resent = sentOf(n.timeout(n.lastWake), "append")
    return { after: n.now - lostAt, first: [answered!.dst, lost!.dst], resentTo: resent.map((m) => m.dst) }
  }

  it("§5.3 a put's lost append is sent again after the round trip the leader measures, not a fixed wait", () => {
    // Answers within 1 ms: the timeout sits at its floor, well before the 4 ms a fixed wait used.
    const quick = resendAfterRoundTripsOf(1)
    expect(quick.after).toBe(timing.retransmitMin)
    // Only the one answer still missing is made up, by a follower with no unanswered append.
    expect(quick.resentTo).toHaveLength(1)
    expect(quick.first).not.toContain(quick.resentTo[0])
    // Answers after 6 ms: nothing is taken for lost while an answer is merely slow.
    const slow = resendAfterRoundTripsOf(6)
    expect(slow.after).toBeGreaterThan(6)
    expect(slow.after).toBeLessThanOrEqual(timing.retransmitMax)
    expect(slow.resentTo).toHaveLength(1)
  })

  it("§5.3 an append whose prevIndex is past the end of the log is rejected with conflictIndex = lastIndex + 1", () => {
    const n = follower(2, [1, 1])
    const log = n.state.log
    const out = n.receive(append({ src: N1, term: 2, prevIndex: 5, prevTerm: 2, entries: [entry(2)], commit: 5, at: 7 }))
    expect(sentOf(out, "appended")).toEqual([
      { src: N0, dst: N1, leader: N1, type: "appended", term: 2, at: 7, success: false, match: 0, conflictIndex: 3, conflictTerm: 0 }
    ])
    expect(n.state.log).toBe(log)
    expect(n.state.commitIndex).toBe(0)
  })

  it("§5.3 an append whose prevTerm differs is rejected with the conflicting term and the first index holding it", () => {
    const n = follower(2, [1, 2, 2, 2])
    const log = n.state.log
    const out = n.receive(append({ src: N2, term: 3, prevIndex: 4, prevTerm: 3, entries: [entry(3)], at: 8 }))
    expect(sentOf(out, "appended")).toEqual([
      { src: N0, dst: N2, leader: N2, type: "appended", term: 3, at: 8, success: false, match: 0, conflictIndex: 2, conflictTerm: 2 }
    ])
    expect(n.state.log).toBe(log)
  })

  it("§5.3 a conflicting entry and all that follow it are deleted; entries before it are kept and the new ones appended", () => {
    const n = node()
    const [a, b, c, d] = entriesOfTerms([1, 1, 2, 2])
    followLeader(n, N1, 2, [a!, b!, c!, d!])
    const x = entry(3, { key: "x", value: "new" })
    const out = n.receive(append({ src: N2, term: 3, prevIndex: 1, prevTerm: 1, entries: [b!, x] }))
    expect(n.state.log.entries).toEqual([a, b, x])
    expect(sentOf(out, "appended")[0]).toMatchObject({ success: true, match: 3 })
  })

  it("§5.4 an append that would overwrite a committed entry is dropped and logged: no leader honest under Raft sends one", () => {
    const n = node()
    const [a, b, c] = entriesOfTerms([1, 1, 1])
    n.receive(append({ src: N1, term: 1, entries: [a!, b!, c!], commit: 2 }))
    const before = n.state
    const forged = entry(2, { key: "x", value: "lie" })
    const out = n.receive(append({ src: N2, term: 2, prevIndex: 1, prevTerm: 1, entries: [forged] }))
    expect(n.state.log).toBe(before.log)
    expect(n.state.commitIndex).toBe(2)
    expect(sentOf(out, "appended")).toEqual([])
    expect(out.filter((o) => o._tag === "Log").map((o) => o._tag === "Log" && o.key)).toEqual(["append-rewrites-committed"])

    // Past the commit index the same append is an ordinary §5.3 conflict.
    const allowed = n.receive(append({ src: N2, term: 2, prevIndex: 2, prevTerm: 1, entries: [forged] }))
    expect(n.state.log.entries).toEqual([a, b, forged])
    expect(sentOf(allowed, "appended")[0]).toMatchObject({ success: true, match: 3 })
  })

  it("§5.3 a stale or duplicated append does not truncate the newer entries that follow it", () => {
    const n = node()
    const entries = entriesOfTerms([1, 1, 1])
    followLeader(n, N1, 1, entries)
    const log = n.state.log
    for (const [prevIndex, slice] of [[0, entries.slice(0, 1)], [1, entries.slice(1, 2)], [0, entries]] as const) {
      const out = n.receive(append({ src: N1, term: 1, prevIndex, prevTerm: prevIndex === 0 ? 0 : 1, entries: slice }))
      expect(n.state.log).toBe(log)
      expect(sentOf(out, "appended")[0]).toMatchObject({ success: true, match: prevIndex + slice.length })
    }
  })

  it("§5.3 a follower advances commitIndex to min(leaderCommit, index of the last new entry) and applies in order", () => {
    const n = node()
    const e1 = entry(1, { key: "a", value: "1" })
    const e2 = entry(1, { key: "a", value: "2" })
    const e3 = entry(1, { key: "b", value: "3" })
    n.receive(append({ src: N1, term: 1, entries: [e1, e2, e3], commit: 2 }))
    expect(n.state.commitIndex).toBe(2)
    expect([read(n.state.machine, "a"), read(n.state.machine, "b")]).toEqual(["2", ""])

    // Only index 1 is vouched for by this append, so commit 3 cannot be taken from it, and commit never moves back.
    n.receive(append({ src: N1, term: 1, prevIndex: 1, prevTerm: 1, commit: 3 }))
    expect(n.state.commitIndex).toBe(2)

    n.receive(append({ src: N1, term: 1, prevIndex: 3, prevTerm: 1, commit: 9 }))
    expect(n.state.commitIndex).toBe(3)
    expect(read(n.state.machine, "b")).toBe("3")
  })

  it("§5.3 an empty heartbeat is acknowledged only when the leader asks for it", () => {
    const n = follower(2, [1, 2])
    expect(sent(n.receive(append({ src: N1, term: 2, prevIndex: 2, prevTerm: 2, at: 5 })))).toEqual([])
    expect(sent(n.receive(append({ src: N1, term: 2, prevIndex: 2, prevTerm: 2, at: 6, ack: true })))).toEqual([
      { src: N0, dst: N1, leader: N1, type: "appended", term: 2, at: 6, success: true, match: 2, conflictIndex: 0, conflictTerm: 0 }
    ])
  })

  it("§5.3 a leader uses a rejection's conflict hint to jump back: to the hint's index, or past its own last entry of the hinted term", () => {
    // Figure 7's leader log, terms 1 1 1 4 4 5 5 6 6 6, then our no-op of term 7 at index 11.
    const n = follower(6, [1, 1, 1, 4, 4, 5, 5, 6, 6, 6])
    makeLeader(n, [N2, N3])
    expect(n.state.term).toBe(7)
    const term = 7

    // N1 is missing entries from index 5 on: resend from 5.
    const short = appendsTo(n.receive(appended({ src: N1, term, success: false, conflictIndex: 5 })), N1)
    expect(short).toHaveLength(1)
    expect(short[0]).toMatchObject({ prevIndex: 4, prevTerm: 4, ack: true })
    expect(short[0]?.entries.map((e) => e.term)).toEqual([4, 5, 5, 6, 6, 6, 7])

    // N2 has term 4 where we have term 5: we hold term 4 through index 5, so resend from 6.
    const hinted = appendsTo(n.receive(appended({ src: N2, term, success: false, conflictIndex: 4, conflictTerm: 4 })), N2)
    expect(hinted[0]).toMatchObject({ prevIndex: 5, prevTerm: 4 })

    // N3 has term 2 from index 2, a term we never had: skip it entirely, resend from 2.
    const unknown = appendsTo(n.receive(appended({ src: N3, term, success: false, conflictIndex: 2, conflictTerm: 2 })), N3)
    expect(unknown[0]).toMatchObject({ prevIndex: 1, prevTerm: 1 })
    expect(unknown[0]?.entries).toHaveLength(10)
  })
})

describe("Datagram size", () => {
  const bytesOf = (message: WireMessage) => utf8Bytes(encodeMessage(message))

  it("§5.3 a leader never sends a datagram over the UDP payload limit, even to a follower lagging behind large puts", () => {
    const n = node()
    makeSettledLeader(n) // N1 and N2 acknowledged the no-op; N3 and N4 never answered
    const value = "v".repeat(400)
    for (let i = 0; i < 200; i++) n.receive(put({ MID: `p${i}`, key: `k${i}`, value, leader: N0 }))
    for (const peer of [N1, N2]) n.receive(appended({ src: peer, term: n.state.term, match: lastIndex(n.state.log), at: n.now }))
    expect(n.state.commitIndex).toBe(201)
    const out = n.timeout(n.now + timing.heartbeat)
    const toLagging = sentOf(out, "append").filter((m) => m.dst === N3 || m.dst === N4)
    expect(toLagging.length).toBeGreaterThan(0)
    for (const m of toLagging) expect(bytesOf(m)).toBeLessThanOrEqual(UDP_PAYLOAD_BYTES)
  })

  it("§5.3 a follower lagging behind large puts catches up in appends that each pack many entries yet stay under the limit", () => {
    const n = node()
    makeSettledLeader(n)
    const values = Array.from({ length: 200 }, (_, i) => [`k${i}`, `${i}`.padEnd(2_000, "é")] as const) // ≈ 4 KB each in UTF-8
    commitPuts(n, values)
    expect(n.state.commitIndex).toBe(201)
    const lagging = node(N3)
    const appends: Array<OfType<"append">> = []
    for (let round = 0; round < 40 && lagging.state.commitIndex < 201; round++) {
      const beat = n.timeout(n.now + timing.heartbeat)
      acknowledge(n, beat)
      appends.push(...converse(n, lagging, beat).filter((m): m is OfType<"append"> => m.type === "append"))
    }
    expect(lagging.state.commitIndex).toBe(201)
    expect(read(lagging.state.machine, "k199")).toBe(values[199]![1])
    const carrying = appends.filter((m) => m.entries.length > 0)
    // ≈ 800 KB of entries: about fourteen datagrams' worth, none over the limit, each packed to within one entry of it.
    expect(carrying.length).toBeGreaterThanOrEqual(13)
    expect(carrying.length).toBeLessThanOrEqual(16)
    for (const m of carrying) expect(bytesOf(m)).toBeLessThanOrEqual(UDP_PAYLOAD_BYTES)
    for (const m of carrying.slice(0, -1)) expect(bytesOf(m)).toBeGreaterThan(UDP_PAYLOAD_BYTES - 6_000)
  })

  it("§8 a put too large for any append is answered fail at the leader, logged, and never appended; one that just fits is replicated", () => {
    const n = node()
    makeSettledLeader(n)
    const length = lastIndex(n.state.log)
    // Sizes count UTF-8 bytes: 32,500 characters of "é" are 65,000 bytes.
    for (const [mid, value] of [["big", "v".repeat(65_000)], ["wide", "é".repeat(32_500)], ["huge", "v".repeat(200_000)]] as const) {
      const out = n.receive(put({ MID: mid, key: "a", value, leader: N0 }))
      expect(responses(out)).toEqual([{ src: N0, dst: CLIENT, leader: N0, type: "fail", MID: mid }])
      expect(sent(out)).toHaveLength(1)
      expect(out.filter((o) => o._tag === "Log").map((o) => o._tag === "Log" && o.key)).toEqual(["oversized-put"])
      expect(lastIndex(n.state.log)).toBe(length)
    }
    const fits = "v".repeat(64_000)
    const out = n.receive(put({ MID: "fits", key: "a", value: fits, leader: N0 }))
    expect(lastIndex(n.state.log)).toBe(length + 1)
    const appends = sentOf(out, "append")
    expect(appends.map((m) => m.entries.length)).toEqual([1, 1])
    for (const m of appends) expect(bytesOf(m)).toBeLessThanOrEqual(UDP_PAYLOAD_BYTES)
    acknowledge(n, out)
    expect(read(n.state.machine, "a")).toBe(fits)
    expect(responses(n.history).map((m) => [m.type, m.MID])).toEqual([["fail", "big"], ["fail", "wide"], ["fail", "huge"], ["ok", "fits"]])
  })
})

describe("§5.4.2 Committing entries from previous terms", () => {
  it("§5.4.2 a leader does not commit an earlier term's entry by counting replicas; it commits it with an entry of its own term", () => {
    const n = follower(2, [1, 2])
    makeLeader(n) // term 3, no-op at index 3
    n.receive(appended({ src: N1, term: 3, match: 2, at: n.now }))
    n.receive(appended({ src: N2, term: 3, match: 2, at: n.now }))
    n.receive(appended({ src: N3, term: 3, match: 2, at: n.now }))
    expect(n.state.commitIndex).toBe(0)

    n.receive(appended({ src: N1, term: 3, match: 3, at: n.now }))
    expect(n.state.commitIndex).toBe(0)
    n.receive(appended({ src: N2, term: 3, match: 3, at: n.now }))
    expect(n.state.commitIndex).toBe(3)
    expect([read(n.state.machine, "k1"), read(n.state.machine, "k2")]).toEqual(["t1", "t2"])
  })

  it("§5.3 a leader applies committed puts in log order and answers each put's client with exactly one ok carrying its MID", () => {
    const n = node()
    makeSettledLeader(n) // term 1, no-op at 1 committed
    expect(n.state.commitIndex).toBe(1)
    const term = n.state.term
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }))
    n.receive(put({ src: CLIENT2, MID: "p2", key: "a", value: "2", leader: N0 }))
    expect(lastIndex(n.state.log)).toBe(3)

    expect(responses(n.receive(appended({ src: N1, term, match: 3, at: n.now })))).toEqual([])
    expect(responses(n.receive(appended({ src: N2, term, match: 2, at: n.now })))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "p1" }
    ])
    expect(read(n.state.machine, "a")).toBe("1")
    expect(responses(n.receive(appended({ src: N2, term, match: 3, at: n.now })))).toEqual([
      { src: N0, dst: CLIENT2, leader: N0, type: "ok", MID: "p2" }
    ])
    expect(read(n.state.machine, "a")).toBe("2")
    // More acknowledgements of the same entries answer nothing again.
    expect(responses(n.receive(appended({ src: N3, term, match: 3, at: n.now })))).toEqual([])
    expect(responses(n.receive(appended({ src: N2, term, match: 3, at: n.now })))).toEqual([])
    expect(responses(n.history).map((m) => m.MID)).toEqual(["p1", "p2"])
  })
})

describe("§8 Client interaction", () => {
  it("§8 a replayed MID gets no second response, and the put is not appended or applied twice", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    const p1 = put({ MID: "p1", key: "a", value: "1", leader: N0 })
    n.receive(p1)
    const length = lastIndex(n.state.log)
    expect(sent(n.receive(p1))).toEqual([]) // replay before commit
    expect(lastIndex(n.state.log)).toBe(length)
    n.receive(appended({ src: N1, term, match: length, at: n.now }))
    n.receive(appended({ src: N2, term, match: length, at: n.now }))
    expect(sent(n.receive(p1))).toEqual([]) // replay after commit
    expect(lastIndex(n.state.log)).toBe(length)

    const g1 = get({ MID: "g1", key: "a", leader: N0 })
    expect(responses(n.receive(g1))).toEqual([{ src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "g1", value: "1" }])
    expect(sent(n.receive(g1))).toEqual([])
    expect(responses(n.history).map((m) => m.MID)).toEqual(["p1", "g1"])
  })

  it("§8 a put whose MID the state machine already applied (learned by replication) is not appended again", () => {
    const n = node()
    followLeader(n, N1, 1, [entry(1, { key: "a", value: "1", client: CLIENT, mid: "p1" })], 1)
    expect(read(n.state.machine, "a")).toBe("1")
    makeLeader(n)
    const length = lastIndex(n.state.log)
    expect(sent(n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 })))).toEqual([])
    expect(lastIndex(n.state.log)).toBe(length)
  })

  it("§8 a replica that knows no leader holds client requests and redirects them to the first leader that speaks", () => {
    const orphan = node()
    expect(sent(orphan.receive(put({ MID: "p1", key: "a", value: "v" })))).toEqual([])
    const candidate = follower(2)
    makeCandidate(candidate)
    expect(sent(candidate.receive(get({ MID: "g2", key: "a", leader: N1 })))).toEqual([])
    for (const n of [orphan, candidate]) {
      const out = n.receive(append({ src: N4, term: n.state.term + 1, at: n.now }), n.now + 1)
      expect(responses(out).map((m) => [m.type, m.leader])).toEqual([["redirect", N4]])
    }
  })

  it("§8 a follower that knows its leader holds a client request, whoever it names, and sends that leader one probe of its term", () => {
    const n = follower(2) // heard N1 at 0
    // Naming no leader (FFFF), as the harness's client does once its leader is dead or unknown.
    expect(sent(n.receive(get({ MID: "g1", key: "a" }), 10))).toEqual([{ src: N0, dst: N1, leader: N1, type: "probe", term: 2 }])
    // Naming the leader itself, another replica, or this one: held alike, covered by the probe in flight.
    for (const [i, named] of [N1, N3, N0].entries()) {
      expect(sent(n.receive(put({ MID: `p${i}`, key: "a", value: "v", leader: named }), 11 + i))).toEqual([])
    }
    expect(n.state.parked.map((p) => [p.request.MID, p.until])).toEqual([
      ["g1", 10 + timing.parkLimit],
      ["p0", 11 + timing.parkLimit],
      ["p1", 12 + timing.parkLimit],
      ["p2", 13 + timing.parkLimit]
    ])
    expect(n.lastWake).toBe(10 + timing.retransmit)
  })

  it("§8 the leader's next append releases what a follower held as redirects naming it; a request that arrives after that append waits for the next", () => {
    const n = follower(2)
    n.receive(get({ MID: "g1", key: "a" }), 10)
    n.receive(put({ MID: "p1", key: "a", value: "v", leader: N1 }), 12)
    const out = n.receive(append({ src: N1, term: 2, at: 20 }), 20)
    expect(sent(out)).toEqual([
      { src: N0, dst: CLIENT, leader: N1, type: "redirect", MID: "g1" },
      { src: N0, dst: CLIENT, leader: N1, type: "redirect", MID: "p1" }
    ])
    expect(n.state).toMatchObject({ parked: [], probe: undefined })
    expect(n.lastWake).toBe(n.state.electionDeadline)

    // Heard before the request came is not heard after: it is held and the leader probed again.
    expect(sent(n.receive(get({ MID: "g2", key: "a" }), 30))).toEqual([{ src: N0, dst: N1, leader: N1, type: "probe", term: 2 }])
    expect(n.state.parked.map((p) => p.request.MID)).toEqual(["g2"])
  })

  it("§8 a leader answers a probe of its term at once with an append to the prober that asks no acknowledgement", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    const out = n.receive(probe({ src: N3, term }), n.now + 50)
    expect(sent(out)).toEqual([expect.objectContaining({ type: "append", src: N0, dst: N3, leader: N0, term, at: n.now, ack: false })])
    expect(n.state.role).toBe("leader")
  })

  it("§5.1/§8 a leader answers a probe from an older term with an append of its own, so a follower that missed its re-election learns the term and releases its clients to it", () => {
    const leader = node(N0)
    makeSettledLeader(leader) // term 1
    const prober = node(N2)
    for (const m of sentOf(leader.history, "append").filter((m) => m.dst === N2)) prober.receive(overTheWire(m))
    expect(prober.state).toMatchObject({ term: 1, leader: N0 })
    leader.timeout(leader.now + timing.electionMin) // deposed by check-quorum
    makeLeader(leader) // and elected again, in term 2, without N2
    expect(leader.state).toMatchObject({ role: "leader", term: 2 })

    const asked = prober.receive(get({ dst: N2, MID: "g1", key: "a" }), 100)
    expect(sentOf(asked, "probe")).toEqual([{ src: N2, dst: N0, leader: N0, type: "probe", term: 1 }])
    const delivered = converse(prober, leader, asked)
    expect(delivered[1]).toMatchObject({ type: "append", src: N0, dst: N2, term: 2 })
    expect(prober.state).toMatchObject({ role: "follower", term: 2, leader: N0, parked: [], probe: undefined })
    expect(responses(prober.history)).toEqual([{ src: N2, dst: CLIENT, leader: N0, type: "redirect", MID: "g1" }])
  })

  it("§8 only a leader answers a probe: a follower, pre-candidate or candidate ignores one of its term or an older one", () => {
    const f = follower(2)
    const pre = follower(2)
    pre.electionTimeout()
    const candidate = follower(2)
    makeCandidate(candidate)
    for (const n of [f, pre, candidate]) {
      for (const term of [n.state.term, n.state.term - 1]) {
        const result = step(n.state, { _tag: "Message", message: probe({ src: N3, term }) }, { now: n.now + 1, random: 0 })
        expect(result.state, `${n.state.role} <- probe of term ${term}`).toBe(n.state)
        expect(sent(result.outputs)).toEqual([])
      }
    }
  })

  it("§8 a follower whose leader does not answer (dead, or the follower cut off) keeps holding its clients, re-asks four times backing off by doubling from retransmit, and releases them when a new leader speaks", () => {
    const n = follower(2)
    n.receive(get({ MID: "g1", key: "a" }), 10)
    const probedAt = [10]
    while (n.lastWake < n.state.electionDeadline) {
      const at = n.lastWake
      expect(sent(n.timeout(at))).toEqual([{ src: N0, dst: N1, leader: N1, type: "probe", term: 2 }])
      probedAt.push(at)
    }
    expect(gapsBetween(probedAt)).toEqual([1, 2, 4, 8].map((k) => k * timing.retransmit))
    // With the asking over, a later request is held without another probe.
    expect(sent(n.receive(get({ MID: "g2", key: "a" }), 200))).toEqual([])
    expect(n.state.parked.map((p) => p.request.MID)).toEqual(["g1", "g2"])

    expect(responses(n.receive(append({ src: N2, term: 3, at: 300 }), 300))).toEqual([
      { src: N0, dst: CLIENT, leader: N2, type: "redirect", MID: "g1" },
      { src: N0, dst: CLIENT, leader: N2, type: "redirect", MID: "g2" }
    ])
    expect(n.state).toMatchObject({ parked: [], probe: undefined })
  })

  it("§8 a follower asks its leader again only while it holds requests for it; the next request starts asking afresh", () => {
    // A parkLimit shorter than the first re-ask, so the request expires while the probe is out.
    const brief = { ...timing, parkLimit: timing.retransmit / 2 }
    const n = new TestNode(initialState({ ...configFor(N0), timing: brief }, 0, 0), 0)
    followLeader(n, N1, 2, [])
    n.receive(get({ MID: "g1", key: "a" }), 10)
    expect(responses(n.timeout(n.lastWake))).toEqual([{ src: N0, dst: CLIENT, leader: N1, type: "redirect", MID: "g1" }])
    expect(n.lastWake).toBe(10 + brief.retransmit)
    expect(sent(n.timeout(n.lastWake))).toEqual([])
    expect(n.state.probe).toBeUndefined()
    expect(n.lastWake).toBe(n.state.electionDeadline)
    expect(sentOf(n.receive(get({ MID: "g2", key: "a" }), 20), "probe")).toEqual([{ src: N0, dst: N1, leader: N1, type: "probe", term: 2 }])
  })

  it("§6.2/§8 a replica whose canvass ends with fewer than a majority answering parks every client for cutOffParkLimit only, then redirects it naming no one", () => {
    /** A pre-candidate whose round of asking is over; `answering` refused it their pre-vote. */
    const canvassed = (answering: ReadonlyArray<NodeId>): TestNode => {
      const n = follower(2)
      n.electionTimeout()
      for (const peer of answering) n.receive(voted({ src: peer, dst: N0, term: 2, granted: false, pre: true }))
      while (n.state.canvass !== undefined && n.state.canvass.asksLeft > 0) n.timeout(n.lastWake)
      return n
    }
    const cut = canvassed([N1])
    expect(sent(cut.receive(get({ MID: "g1", key: "a" })))).toEqual([])
    // Even a client that names it: the majority side may keep sending clients here until its election timeout.
    expect(sent(cut.receive(get({ MID: "g0", key: "a", src: CLIENT2, leader: N0 })))).toEqual([])
    expect(cut.state.parked.map((p) => [p.request.MID, p.until])).toEqual([
      ["g1", cut.now + timing.cutOffParkLimit],
      ["g0", cut.now + timing.cutOffParkLimit]
    ])
    expect(cut.lastWake).toBe(cut.now + timing.cutOffParkLimit)
    expect(responses(cut.timeout(cut.lastWake))).toEqual([
      { src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "g1" },
      { src: N0, dst: CLIENT2, leader: BROADCAST, type: "redirect", MID: "g0" }
    ])

    // Two answers and itself make a majority: an election may still bring a leader, so it parks as long as ever.
    const connected = canvassed([N1, N2])
    connected.receive(get({ MID: "g2", key: "a" }))
    expect(connected.state.parked).toEqual([expect.objectContaining({ until: connected.now + timing.parkLimit })])
  })

  it("§8 a parked request is redirected once parkLimit passes with no leader heard", () => {
    const n = follower(2)
    n.receive(get({ MID: "g1", key: "a", leader: N1 }), 10)
    const until = 10 + timing.parkLimit
    expect(n.lastWake).toBe(10 + timing.retransmit) // asking the leader again comes first
    n.electionTimeout() // campaigning does not release it
    expect(n.state.parked).toHaveLength(1)
    let answered: ReadonlyArray<WireMessage> = []
    while (n.now < until) {
      expect(n.lastWake).toBeLessThanOrEqual(until)
      answered = [...answered, ...responses(n.timeout(n.lastWake))]
      if (n.now < until) expect(answered).toEqual([])
    }
    expect(answered).toEqual([{ src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "g1" }])
    expect(n.state.parked).toEqual([])
  })

  it("§8 a parked request expiring in the instant an election starts is redirected naming no leader", () => {
    // Parked requests outlast the longest election timeout by default; here the two are equal, so they can end together.
    const coinciding = { ...timing, parkLimit: timing.electionMax }
    const n = new TestNode(initialState({ ...configFor(N0), timing: coinciding }, 0, 0), 0)
    followLeader(n, N1, 2, [])
    // The leader's last append draws the longest timeout, which ends exactly when the request parked with it expires.
    n.receive(append({ src: N1, term: 2, at: 100 }), 100, 1)
    n.receive(get({ MID: "g1", key: "a", leader: N1 }), 100)
    expect(n.state.electionDeadline).toBe(100 + coinciding.parkLimit)
    expect(n.state.parked).toHaveLength(1)
    const out = n.timeout(100 + coinciding.parkLimit)
    expect(n.state.role).toBe("precandidate")
    expect(responses(out)).toEqual([{ src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "g1" }])
  })
})

describe("§6.4 Read-only queries with a leader lease", () => {
  /** A leader elected at 1500 whose no-op and one put (a = 1) were acknowledged by N1 and N2 at 1500. */
  const leaseHolder = () => {
    const n = node()
    makeSettledLeader(n)
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }))
    for (const peer of [N1, N2]) n.receive(appended({ src: peer, term: n.state.term, match: 2, at: n.now }))
    expect(n.state.commitIndex).toBe(2)
    expect(n.now).toBe(timing.electionMin)
    return n
  }

  it("§6.4.1 a get at a leader whose no-op is committed and whose quorum acknowledged within the lease is answered at once", () => {
    const n = leaseHolder()
    const leaseEnd = timing.electionMin + timing.lease
    expect(responses(n.receive(get({ MID: "g1", key: "a", leader: N0 }), leaseEnd - 1))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "g1", value: "1" }
    ])
    expect(responses(n.receive(get({ MID: "g2", key: "never-written", leader: N0 })))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "g2", value: "" }
    ])
  })

  it("§6.4.1 a get after the lease lapsed waits, the leader probes, and it is answered exactly once when a quorum acknowledges", () => {
    const n = leaseHolder()
    const leaseEnd = timing.electionMin + timing.lease
    const out = n.receive(get({ MID: "g1", key: "a", leader: N0 }), leaseEnd)
    expect(responses(out)).toEqual([])
    const probes = sentOf(out, "append")
    expect(probes.map((m) => m.dst).sort()).toEqual([N1, N2, N3, N4])
    for (const m of probes) expect(m).toMatchObject({ ack: true, at: leaseEnd })

    const term = n.state.term
    expect(responses(n.receive(appended({ src: N3, term, match: 2, at: leaseEnd }), leaseEnd + 1))).toEqual([])
    // An acknowledgement of an old send time does not renew the lease.
    expect(responses(n.receive(appended({ src: N1, term, match: 2, at: timing.electionMin }), leaseEnd + 1))).toEqual([])
    expect(responses(n.receive(appended({ src: N4, term, match: 2, at: leaseEnd }), leaseEnd + 2))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "g1", value: "1" }
    ])
    expect(responses(n.receive(appended({ src: N2, term, match: 2, at: leaseEnd }), leaseEnd + 3))).toEqual([])
    expect(n.state.leaderState?.reads).toEqual([])
  })

  it("§6.4/§8 a get before the leader's no-op commits waits, even under a lease, and is answered when the no-op commits", () => {
    const n = follower(1, [1])
    makeLeader(n, [N3, N4]) // term 2, no-op at index 2; N3 and N4 never saw index 1
    const electedAt = n.now
    expect(responses(n.receive(get({ MID: "g1", key: "k1", leader: N0 })))).toEqual([])
    // Rejections in our term prove the lease, but the no-op is not committed yet.
    n.receive(appended({ src: N3, term: 2, success: false, conflictIndex: 1, at: electedAt }))
    n.receive(appended({ src: N4, term: 2, success: false, conflictIndex: 1, at: electedAt }))
    expect(responses(n.history)).toEqual([])

    expect(responses(n.receive(appended({ src: N3, term: 2, match: 2, at: electedAt })))).toEqual([])
    expect(responses(n.receive(appended({ src: N4, term: 2, match: 2, at: electedAt })))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "g1", value: "t1" }
    ])
    expect(n.state.commitIndex).toBe(2)
  })
})

describe("§6.2 Check-quorum", () => {
  it("§6.2 a leader that has not heard from a majority for electionMin steps down: waiting reads are redirected, an uncommitted put is answered ok once it commits under the next leader", () => {
    const n = node()
    makeSettledLeader(n) // elected and acknowledged at 1500
    const term = n.state.term
    const heard = n.now
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }), heard + 100)
    n.receive(get({ MID: "g1", key: "a", leader: N0 }), heard + timing.lease + 50)
    expect(responses(n.history)).toEqual([])

    n.timeout(heard + timing.electionMin - 1)
    expect(n.state.role).toBe("leader")
    expect(responses(n.history)).toEqual([])

    const out = n.timeout(heard + timing.electionMin)
    expect(n.state).toMatchObject({ role: "precandidate", term, leader: BROADCAST })
    expect(responses(out)).toEqual([{ src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "g1" }])
    expect(n.state.undecided).toEqual([{ index: 2, term, client: CLIENT, MID: "p1" }])

    // The put commits under the next leader: answered ok, once, naming that leader.
    const committed = n.receive(append({ src: N1, term: term + 1, prevIndex: 2, prevTerm: term, entries: [entry(term + 1)], commit: 3, at: n.now }))
    expect(n.state.commitIndex).toBe(3)
    expect(read(n.state.machine, "a")).toBe("1")
    expect(responses(committed)).toEqual([{ src: N0, dst: CLIENT, leader: N1, type: "ok", MID: "p1" }])
    expect(n.state.undecided).toEqual([])
    n.timeout(n.now + timing.electionMax)
    expect(responses(n.history).map((m) => m.MID)).toEqual(["g1", "p1"])
  })

  it("§6.2 a leader deposed by check-quorum asks for pre-votes at once, without changing its term", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    const out = n.timeout(n.now + timing.electionMin)
    expect(n.state).toMatchObject({ role: "precandidate", term, leader: BROADCAST })
    expect(sentOf(out, "vote")).toEqual([expect.objectContaining({ dst: BROADCAST, term: term + 1, pre: true })])
  })

  it("§6.2/§8 a leader deposed by check-quorum redirects, naming no one, clients that still name it; others it parks", () => {
    const n = node()
    makeSettledLeader(n)
    n.timeout(n.now + timing.electionMin)
    expect(n.state).toMatchObject({ role: "precandidate", leader: BROADCAST })
    expect(responses(n.receive(get({ MID: "g1", key: "a", leader: N0 })))).toEqual([
      { src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "g1" }
    ])
    // The client, sent on, names no leader; should it come back here, it waits for one.
    expect(sent(n.receive(get({ MID: "g2", key: "a" })))).toEqual([])
    expect(n.state.parked.map((p) => p.request.MID)).toEqual(["g2"])
  })

  it("§6.2/§8 a deposed leader's put that the next leader overwrites is redirected, so the client's retry is its only write", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }), n.now + 100)
    n.timeout(n.now + timing.electionMin)
    expect(n.state.undecided.map((u) => u.MID)).toEqual(["p1"])
    const overwritten = n.receive(append({ src: N1, term: term + 1, prevIndex: 1, prevTerm: term, entries: [entry(term + 1)], commit: 2, at: n.now }))
    expect(responses(overwritten)).toEqual([{ src: N0, dst: CLIENT, leader: N1, type: "redirect", MID: "p1" }])
    expect(read(n.state.machine, "a")).toBe("")
    expect(n.state.undecided).toEqual([])
  })

  it("§6.2 a leader whose log has not moved for holdAfter holds new puts out of it; they join it in one batch, in order, once it moves", () => {
    const n = node()
    makeSettledLeader(n)
    const start = n.now
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }), start + 10)
    n.receive(put({ MID: "p2", key: "b", value: "2", leader: N0 }), start + 10 + timing.holdAfter - 1)
    expect(lastIndex(n.state.log)).toBe(3)
    const held = [
      n.receive(put({ MID: "p3", key: "c", value: "3", leader: N0 }), start + 10 + timing.holdAfter),
      n.receive(put({ MID: "p4", key: "d", value: "4", leader: N0 }), start + 10 + timing.holdAfter + 1)
    ]
    expect(held.flatMap(sent)).toEqual([])
    expect(lastIndex(n.state.log)).toBe(3)

    n.receive(appended({ src: N1, term: n.state.term, match: 3, at: n.now }))
    expect(n.state.commitIndex).toBe(1)
    const moved = n.receive(appended({ src: N2, term: n.state.term, match: 3, at: n.now }))
    expect(n.state.commitIndex).toBe(3)
    expect([4, 5].map((index) => entryAt(n.state.log, index)?.MID)).toEqual(["p3", "p4"])
    expect(appendsTo(moved, N1).concat(appendsTo(moved, N2)).some((m) => m.entries.map((e) => e.MID).join() === "p3,p4")).toBe(true)
    acknowledge(n, moved)
    expect(responses(n.history).map((m) => [m.MID, m.type])).toEqual([["p1", "ok"], ["p2", "ok"], ["p3", "ok"], ["p4", "ok"]])
  })

  it("§6.2/§8 a leader that steps down redirects at once the puts it held: they never reached a log, so the retry is their only write", () => {
    const n = node()
    makeSettledLeader(n)
    n.receive(put({ MID: "p1", key: "a", value: "1", leader: N0 }), n.now + 10)
    n.receive(put({ MID: "p2", key: "b", value: "2", leader: N0 }), n.now + timing.holdAfter)
    expect(n.state.leaderState?.held.map((p) => p.MID)).toEqual(["p2"])
    const out = n.timeout(n.now + timing.electionMin)
    expect(n.state.role).toBe("precandidate")
    expect(responses(out)).toEqual([{ src: N0, dst: CLIENT, leader: BROADCAST, type: "redirect", MID: "p2" }])
    expect(n.state.undecided.map((u) => u.MID)).toEqual(["p1"])
    expect(sentOf(n.history, "append").flatMap((m) => m.entries).map((e) => e.MID)).not.toContain("p2")
  })

  it("§6.2 a follower silent for silentAfter gets heartbeats ever more rarely, up to silentHeartbeatMax, and on the period again once it answers", () => {
    const n = node()
    makeSettledLeader(n) // N1 and N2 acknowledged the no-op; N3 and N4 never answered it
    const term = n.state.term
    const start = n.now
    const beatsTo = new Map<NodeId, Array<number>>(REPLICAS.map((id) => [id, []]))
    const answering = new Set([N1, N2])
    while (n.lastWake < start + 20_000) {
      const out = n.timeout(n.lastWake)
      if (n.now >= start + 15_000) answering.add(N4)
      for (const m of sentOf(out, "append")) {
        beatsTo.get(m.dst)?.push(m.at - start)
        if (answering.has(m.dst) && m.ack) n.receive(appended({ src: m.dst, term, match: m.prevIndex + m.entries.length, at: m.at }))
      }
      expect(n.state.role).toBe("leader")
    }
    const gaps = (peer: NodeId) => gapsBetween(beatsTo.get(peer)!)
    // The quorum the leader leans on: one heartbeat per period, all run long.
    expect(new Set(gaps(N1))).toEqual(new Set([timing.heartbeat]))
    // N3 never answers: the period until it has been silent for silentAfter, then gaps as long as its silence, capped.
    const silent = gaps(N3)
    expect(silent.slice(0, 5)).toEqual(Array(5).fill(timing.heartbeat))
    expect(silent[5]).toBe(timing.silentAfter)
    expect(Math.max(...silent)).toBe(timing.silentHeartbeatMax)
    expect(beatsTo.get(N3)!.length).toBeLessThan(20_000 / timing.heartbeat / 3)
    // Every heartbeat to a silent follower asks for an answer, so one that comes back is heard at once.
    expect(sentOf(n.history, "append").filter((m) => m.dst === N3).every((m) => m.ack)).toBe(true)
    // N4 answers again from 15 s: back on the period after its first answer.
    const back = beatsTo.get(N4)!.filter((at) => at > 15_000)
    expect(gapsBetween(back)).toEqual(Array(back.length - 1).fill(timing.heartbeat))
  })

  it("§6.2 with just a majority answering, a leader asks a silent leaned-on follower again once no regular heartbeat can save its quorum, backing off, and keeps leading", () => {
    const n = node()
    makeSettledLeader(n) // N1 and N2 acknowledged the no-op; N3 and N4 never answer
    const term = n.state.term
    const start = n.now
    // N2's answers are lost for 1.1 s: both of its regular heartbeats and its first re-asks.
    const lostUntil = start + 1100
    const asked = new Map<NodeId, Array<number>>(REPLICAS.map((id) => [id, []]))
    while (n.lastWake < start + 3 * timing.electionMin) {
      const out = n.timeout(n.lastWake)
      for (const m of sentOf(out, "append").filter((m) => m.ack)) {
        asked.get(m.dst)?.push(m.at - start)
        const lost = m.dst === N2 && n.now < lostUntil
        if ((m.dst === N1 || m.dst === N2) && !lost) n.receive(appended({ src: m.dst, term, match: 1, at: m.at }), n.now + 0.5)
      }
      expect(n.state.role).toBe("leader")
    }
    // Regular heartbeats went at 500 and 1000; the re-asks follow the second, each gap double the last.
    expect(asked.get(N2)!.slice(0, 2)).toEqual([timing.heartbeat, 2 * timing.heartbeat])
    const reasks = asked.get(N2)!.filter((at) => at > timing.electionMin - timing.heartbeat && at < timing.electionMin)
    expect(reasks.length).toBeGreaterThanOrEqual(5)
    const gaps = gapsBetween(reasks)
    gaps.slice(1).forEach((gap, i) => expect(gap).toBeCloseTo(2 * gaps[i]!, 6))
    // Once N2 answers, heartbeats return to the period; N1, which always answered, was never asked early.
    const afterwards = asked.get(N2)!.filter((at) => at > lostUntil - start)
    expect(gapsBetween(afterwards)).toEqual(Array(afterwards.length - 1).fill(timing.heartbeat))
    expect(new Set(gapsBetween(asked.get(N1)!))).toEqual(new Set([timing.heartbeat]))
  })

  it("§6.2 a leader cut off from every follower re-asks only the two it leans on, a handful of times, and still steps down at electionMin", () => {
    const n = node()
    makeSettledLeader(n)
    const heard = n.now
    const sends = new Map<NodeId, number>(REPLICAS.map((id) => [id, 0]))
    while (n.state.role === "leader") {
      for (const m of sentOf(n.timeout(n.lastWake), "append")) sends.set(m.dst, sends.get(m.dst)! + 1)
    }
    expect(n.now).toBe(heard + timing.electionMin)
    // Two regular heartbeats each, plus the backed-off re-asks for the two leaned on.
    expect([N3, N4].map((peer) => sends.get(peer))).toEqual([2, 2])
    for (const peer of [N1, N2]) {
      expect(sends.get(peer)).toBeGreaterThan(2)
      expect(sends.get(peer)).toBeLessThanOrEqual(2 + 8)
    }
  })

  it("§6.2 a leader that hears from a majority keeps leading past electionMin", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    const start = n.now
    for (let t = start + 400; t < start + 3 * timing.electionMin; t += 400) {
      n.receive(appended({ src: N1, term, match: 1, at: t }), t)
      n.receive(appended({ src: N2, term, match: 1, at: t }), t)
      n.timeout(t)
      expect(n.state.role).toBe("leader")
    }
  })
})

describe("Envelope and membership", () => {
  it("every datagram carries src = self and the leader the replica believes in after the step", () => {
    const n = follower(2, [1, 2])
    const check = (outputs: ReadonlyArray<Output>) => {
      for (const m of sent(outputs)) expect([m.type, m.src, m.leader]).toEqual([m.type, N0, n.state.leader])
    }
    check(n.history)
    check(n.receive(get({ MID: "g0", key: "a" })))
    check(n.receive(append({ src: N1, term: 2, prevIndex: 2, prevTerm: 2, ack: true })))
    check(n.electionTimeout())
    check(n.receive(put({ MID: "p0", key: "a", value: "v" })))
    check(n.receive(voted({ src: N1, term: 3, pre: true })))
    check(n.receive(voted({ src: N2, term: 3, pre: true })))
    check(n.receive(voted({ src: N1, term: 3 })))
    check(n.receive(voted({ src: N2, term: 3 })))
    expect(n.state.role).toBe("leader")
    check(n.receive(put({ MID: "p1", key: "a", value: "v", leader: N0 })))
    check(n.receive(appended({ src: N1, term: 3, match: 4, at: n.now })))
    check(n.receive(appended({ src: N2, term: 3, match: 4, at: n.now })))
    check(n.receive(get({ MID: "g1", key: "a", leader: N0 })))
    check(n.timeout(n.now + timing.heartbeat))
    check(n.receive(appended({ src: N3, term: 3, success: false, conflictIndex: 1, at: n.now })))
    check(n.receive(append({ src: N4, term: 2, at: n.now })))
    check(n.receive(appended({ src: N4, term: 4, success: false })))
    expect(n.state.role).toBe("follower")
    check(n.receive(vote({ src: N3, term: 5, lastIndex: 9, lastTerm: 4 })))
    check(n.receive(append({ src: N3, term: 5, prevIndex: 4, prevTerm: 3, ack: true })))
    expect(sent(n.history).length).toBeGreaterThan(15)
  })

  it("messages from non-members, misaddressed ones, and kinds a replica never accepts change nothing", () => {
    const strangers: ReadonlyArray<WireMessage> = [
      append({ src: STRANGER, term: 9, entries: [entry(9)], commit: 1 }),
      append({ src: CLIENT, term: 9 }),
      appended({ src: STRANGER, term: 9 }),
      vote({ src: STRANGER, term: 9, lastIndex: 9, lastTerm: 9 }),
      vote({ src: CLIENT, term: 9, lastIndex: 9, lastTerm: 9, pre: true }),
      voted({ src: STRANGER, term: 2 }),
      probe({ src: STRANGER, term: 9 }),
      probe({ src: CLIENT, term: 1 }),
      append({ src: N0, term: 9 }), // from itself
      probe({ src: N0, term: 1 }),
      append({ src: N1, dst: N2, term: 9 }),
      append({ src: N1, dst: BROADCAST, term: 9 }),
      vote({ src: N1, dst: N3, term: 9, lastIndex: 9, lastTerm: 9 }),
      voted({ src: N1, dst: N3, term: 2 }),
      probe({ src: N1, dst: N3, term: 9 }),
      probe({ src: N1, dst: BROADCAST, term: 1 }),
      get({ src: N1, MID: "x1", key: "a" }),
      put({ src: N0, MID: "x2", key: "a", value: "v" }),
      put({ dst: N2, MID: "x3", key: "a", value: "v" }),
      get({ dst: BROADCAST, MID: "x4", key: "a" }),
      { src: CLIENT, dst: N0, leader: BROADCAST, type: "hello" },
      { src: N1, dst: N0, leader: N1, type: "ok", MID: "x5", value: "v" },
      { src: CLIENT, dst: N0, leader: N1, type: "redirect", MID: "x6" },
      { src: CLIENT, dst: N0, leader: N1, type: "fail", MID: "x7" }
    ]
    const leader = node()
    makeSettledLeader(leader)
    const parked = follower(2, [1, 2])
    parked.receive(get({ MID: "g1", key: "a", leader: N1 }))
    for (const subject of [node(), parked, leader]) {
      for (const message of strangers) {
        const result = step(subject.state, { _tag: "Message", message }, { now: subject.now + 1, random: 0.5 })
        expect(result.state, `${subject.state.role} <- ${JSON.stringify(message)}`).toBe(subject.state)
        expect(sent(result.outputs)).toEqual([])
      }
    }
  })
})
