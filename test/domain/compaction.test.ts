/**
 * Log compaction and InstallSnapshot: the Raft paper's §7 and Ongaro's thesis ch. 5, one rule
 * per test, driving the pure reducer with hand-built messages as paper.test.ts does. The
 * leader is N0 with N1 and N2 acknowledging at once unless a test says otherwise; the
 * replica that falls behind is a real one, N3, talking to the leader through the wire codec.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { next, seeded } from "../../src/domain/prng.ts"
import { COMPACTION_INTERVAL } from "../../src/domain/raft/log/compaction.ts"
import { lastIndex } from "../../src/domain/raft/log/log.ts"
import type { Output } from "../../src/domain/raft/outputs.ts"
import { recentItems } from "../../src/domain/raft/structures/recentSet.ts"
import type { SnapshotImage } from "../../src/domain/raft/log/snapshot.ts"
import { read, requestKey, type StateMachine } from "../../src/domain/raft/log/stateMachine.ts"
import { step } from "../../src/domain/raft/step.ts"
import {
  acknowledge,
  append,
  CLIENT,
  commitPuts,
  converse,
  entriesOfTerms,
  entry,
  followLeader,
  install,
  makeLeader,
  makeSettledLeader,
  N0,
  N1,
  N2,
  N3,
  node,
  type OfType,
  overTheWire,
  put,
  responses,
  sent,
  sentOf,
  TestNode,
  timing
} from "./builders.ts"

const pairsOf = (machine: StateMachine) => new Map(machine.data.entries())
const imagePairs = (image: SnapshotImage) => new Map(image.pairs)

/** `count` puts over `keys` keys, each value `size` characters. */
const puts = (count: number, keys: number, size = 8) =>
  Array.from({ length: count }, (_, i) => [`k${i % keys}`, `${i}:`.padEnd(size, "v")] as const)

/** The map that applying the first `count` of `values` yields. */
const mapAfter = (values: ReadonlyArray<readonly [string, string]>, count: number) => new Map(values.slice(0, count))

/** A settled leader N0 of term 1 (no-op at index 1) that has committed `values` as puts p0, p1, … at indexes 2, 3, … */
const leaderWith = (values: ReadonlyArray<readonly [string, string]>) => {
  const n = node()
  makeSettledLeader(n)
  commitPuts(n, values)
  expect(n.state.commitIndex).toBe(values.length + 1)
  return n
}

/** Heartbeats from the leader until `follower` has committed all the leader has, or `rounds` run out; every message delivered. */
const catchUp = (leader: TestNode, follower: TestNode, rounds = 30, lose?: Parameters<typeof converse>[3]) => {
  const delivered = []
  for (let round = 0; round < rounds && follower.state.commitIndex < leader.state.commitIndex; round++) {
    const beat = leader.timeout(leader.now + timing.heartbeat)
    for (const m of sentOf(beat, "append")) {
      if (m.dst === N1 || m.dst === N2) leader.receive(appendedBy(m))
    }
    delivered.push(...converse(leader, follower, beat, lose))
  }
  return delivered
}

const appendedBy = (m: OfType<"append">) =>
  ({
    src: m.dst,
    dst: m.src,
    leader: m.src,
    type: "appended",
    term: m.term,
    success: true,
    match: m.prevIndex + m.entries.length,
    conflictIndex: 0,
    conflictTerm: 0,
    at: m.at
  }) as const

const installsIn = (messages: ReadonlyArray<{ readonly type: string }>) => messages.filter((m): m is OfType<"install"> => m.type === "install")

describe("§7 Log compaction", () => {
  it("§7 a replica compacts every COMPACTION_INTERVAL applied entries, keeping the latest interval as a margin; its state machine is unchanged", () => {
    const values = puts(2 * COMPACTION_INTERVAL - 2, 300)
    const n = leaderWith(values) // commit index 2 × interval − 1: one checkpoint, nothing compacted yet
    expect(n.state.log.base).toBe(0)
    expect(n.state.checkpoint.index).toBe(COMPACTION_INTERVAL)

    commitPuts(n, [["k0", "at-2000"]], "q")
    const base = COMPACTION_INTERVAL
    expect(n.state.commitIndex).toBe(2 * COMPACTION_INTERVAL)
    expect(n.state.log).toMatchObject({ base, baseTerm: 1 })
    expect(n.state.log.entries).toHaveLength(COMPACTION_INTERVAL)
    expect(lastIndex(n.state.log)).toBe(n.state.commitIndex)
    // The snapshot is the state machine as of its base: index 1 is the no-op, put i is at index i + 2.
    expect(imagePairs(n.state.snapshot)).toEqual(mapAfter(values, base - 1))
    expect(new Set(n.state.snapshot.mids)).toEqual(new Set(Array.from({ length: base - 1 }, (_, i) => requestKey(CLIENT, `p${i}`))))
    // Compaction forgets log entries, never state.
    expect(pairsOf(n.state.machine)).toEqual(new Map([...mapAfter(values, values.length), ["k0", "at-2000"]]))
  })

  it("§7 memory stays flat in a long run: the log never holds more than two intervals of committed entries", () => {
    const n = node()
    makeSettledLeader(n)
    const follower = node(N1)
    converse(n, follower, n.history) // the no-op
    let longest = 0
    for (let i = 0; i < 5 * COMPACTION_INTERVAL; i++) {
      const out = n.receive(put({ MID: `p${i}`, key: `k${i % 50}`, value: `${i}`, leader: N0 }))
      for (const m of sentOf(out, "append")) if (m.dst === N2) n.receive(appendedBy(m))
      converse(n, follower, out)
      longest = Math.max(longest, n.state.log.entries.length, follower.state.log.entries.length)
    }
    expect(longest).toBeLessThanOrEqual(2 * COMPACTION_INTERVAL + 1)
    expect(n.state.log.base).toBeGreaterThanOrEqual(3 * COMPACTION_INTERVAL)
    // The follower compacts on its own as its commit index advances, to the same state.
    converse(n, follower, n.timeout(n.now + timing.heartbeat))
    expect(follower.state.log.base).toBeGreaterThanOrEqual(3 * COMPACTION_INTERVAL - 1)
    expect(follower.state.snapshot.pairs.length).toBe(50)
    expect(pairsOf(follower.state.machine)).toEqual(pairsOf(n.state.machine))
  })
})

describe("§7 InstallSnapshot", () => {
  it("§7 a follower behind the compacted log gets the snapshot in chunks under the datagram limit, then appends, and converges", () => {
    // 400 keys × 300 bytes: the snapshot takes a few datagrams.
    const values = puts(2 * COMPACTION_INTERVAL + 500, 400, 300)
    const n = leaderWith(values)
    expect(n.state.log.base).toBe(COMPACTION_INTERVAL)
    const lagging = node(N3)
    const delivered = catchUp(n, lagging) // every datagram is checked against the UDP payload limit on the way

    const installs = installsIn(delivered)
    expect(installs.length).toBeGreaterThanOrEqual(3)
    let offset = 0
    for (const [i, m] of installs.entries()) {
      expect(m).toMatchObject({ lastIndex: COMPACTION_INTERVAL, lastTerm: 1, offset, done: i === installs.length - 1 })
      offset += m.pairs.length + m.mids.length
    }
    // After the snapshot, only appends: the first at once, starting right after it.
    const afterSnapshot = delivered.slice(delivered.indexOf(installs.at(-1)!) + 1).filter((m) => m.dst === N3)
    expect(afterSnapshot.every((m) => m.type === "append")).toBe(true)
    expect(afterSnapshot[0]).toMatchObject({ prevIndex: COMPACTION_INTERVAL, prevTerm: 1 })

    expect(lagging.state.commitIndex).toBe(n.state.commitIndex)
    expect(pairsOf(lagging.state.machine)).toEqual(pairsOf(n.state.machine))
    expect(lagging.state.log.entries).toEqual(n.state.log.entries.slice(lagging.state.log.base - n.state.log.base))
    expect(n.state.leaderState?.progress.get(N3)).toMatchObject({ match: lastIndex(n.state.log), snapshot: undefined })
  })

  it("§7 a lost chunk is resent from where the follower's last answer left off, not from the start", () => {
    const n = leaderWith(puts(2 * COMPACTION_INTERVAL, 400, 300))
    const lagging = node(N3)
    let lost = false
    const delivered = catchUp(n, lagging, 30, (m) => {
      const loseIt = !lost && m.type === "install" && m.offset > 0
      lost ||= loseIt
      return loseIt
    })
    expect(lost).toBe(true)
    const offsets = installsIn(delivered).map((m) => m.offset)
    expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b)) // each chunk delivered once, in order
    expect(offsets[0]).toBe(0)
    expect(pairsOf(lagging.state.machine)).toEqual(pairsOf(n.state.machine))
  })

  it("§7 a follower takes chunks in order: a duplicate or a gap is answered with the offset it needs and changes nothing", () => {
    const f = node()
    followLeader(f, N1, 2, [])
    const chunk = (offset: number, pairs: ReadonlyArray<readonly [string, string]>, done = false) =>
      install({ src: N1, term: 2, lastIndex: 9, lastTerm: 2, offset, pairs, done })
    const answers = (out: ReturnType<TestNode["receive"]>) => sentOf(out, "installed").map((m) => [m.offset, m.done])

    expect(answers(f.receive(chunk(0, [["a", "1"], ["b", "2"]])))).toEqual([[2, false]])
    const receiving = f.state
    expect(answers(f.receive(chunk(0, [["a", "1"], ["b", "2"]])))).toEqual([[2, false]]) // duplicate
    expect(answers(f.receive(chunk(3, [["d", "4"]], true)))).toEqual([[2, false]]) // gap
    expect(f.state.incoming).toBe(receiving.incoming)
    expect(f.state.commitIndex).toBe(0)
    expect(answers(f.receive(install({ src: N1, term: 2, lastIndex: 7, lastTerm: 2, offset: 1 })))).toEqual([[0, false]]) // another snapshot, mid-way

    expect(answers(f.receive(chunk(2, [["c", "3"]], true)))).toEqual([[3, true]])
    expect(f.state).toMatchObject({ commitIndex: 9, log: { base: 9, baseTerm: 2, entries: [] }, incoming: undefined })
    expect(pairsOf(f.state.machine)).toEqual(new Map([["a", "1"], ["b", "2"], ["c", "3"]]))
  })

  it("§7 a follower whose log holds the snapshot's last entry keeps the entries after it; any other log is discarded", () => {
    const snapshot = install({ src: N1, term: 3, lastIndex: 3, lastTerm: 1, pairs: [["k1", "t1"], ["k2", "t1"], ["k3", "t1"]] })

    const holding = node()
    followLeader(holding, N1, 3, entriesOfTerms([1, 1, 1, 3, 3]), 1)
    const kept = holding.state.log.entries.slice(3)
    expect(sentOf(holding.receive(snapshot), "installed")).toMatchObject([{ lastIndex: 3, done: true }])
    expect(holding.state.log).toEqual({ base: 3, baseTerm: 1, entries: kept })
    expect(holding.state.commitIndex).toBe(3)

    const diverged = node()
    followLeader(diverged, N1, 3, entriesOfTerms([1, 1, 2, 2]), 1)
    diverged.receive(snapshot)
    expect(diverged.state.log).toEqual({ base: 3, baseTerm: 1, entries: [] })

    for (const n of [holding, diverged]) {
      expect(pairsOf(n.state.machine)).toEqual(new Map(snapshot.pairs))
      expect(n.state.checkpoint).toMatchObject({ index: 3, term: 1 })
    }
  })

  it("§7 an install from an older term is rejected with the newer term and changes nothing", () => {
    const f = node()
    followLeader(f, N1, 3, entriesOfTerms([1, 3]))
    const before = f.state
    const stale = install({ src: N2, term: 2, lastIndex: 5, lastTerm: 2, pairs: [["k1", "stale"]], at: 77 })
    const result = step(before, { _tag: "Message", message: stale }, { now: 10, random: 0 })
    expect(result.state).toBe(before)
    expect(sent(result.outputs)).toEqual([
      { src: N0, dst: N2, leader: N1, type: "installed", term: 3, lastIndex: 5, offset: 0, done: false, at: 77 }
    ])
  })

  it("§7 a stale or duplicated install never rolls a follower back: one that ends within its commit index changes nothing", () => {
    const n = leaderWith(puts(2 * COMPACTION_INTERVAL + 500, 400, 300))
    const lagging = node(N3)
    const installs = installsIn(catchUp(n, lagging))
    expect(installs.length).toBeGreaterThan(0)
    commitPuts(n, [["k0", "newer"]], "q")
    catchUp(n, lagging)
    expect(read(lagging.state.machine, "k0")).toBe("newer")

    const { log, machine, commitIndex, snapshot } = lagging.state
    for (const replay of installs) {
      expect(sentOf(lagging.receive(replay), "installed")).toMatchObject([{ lastIndex: COMPACTION_INTERVAL, done: true }])
    }
    expect(lagging.state.log).toBe(log)
    expect(lagging.state.machine).toBe(machine)
    expect(lagging.state.snapshot).toBe(snapshot)
    expect(lagging.state.commitIndex).toBe(commitIndex)
  })

  it("§7/§8 a put MID applied before compaction is still never applied twice: not by a replayed entry, nor by a leader that installed the snapshot", () => {
    const values = puts(2 * COMPACTION_INTERVAL, 400)
    const n = leaderWith(values)
    // p0 put k0; later puts overwrote k0. Its MID must outlive the entry that carried it.
    expect(n.state.log.base).toBeGreaterThan(2)
    expect(n.state.snapshot.mids).toContain(requestKey(CLIENT, "p0"))
    const lagging = node(N3)
    catchUp(n, lagging)
    const k0 = read(lagging.state.machine, "k0")
    expect(k0).not.toBe(values[0]![1])

    // A replay of p0 that some later leader appended again commits, but is not applied.
    const term = n.state.term
    const last = lastIndex(lagging.state.log)
    const replayed = entry(term, { key: "k0", value: values[0]![1], client: CLIENT, mid: "p0" })
    lagging.receive(append({ src: N0, dst: N3, term, prevIndex: last, prevTerm: term, entries: [replayed], commit: last + 1 }))
    expect(lagging.state.commitIndex).toBe(last + 1)
    expect(read(lagging.state.machine, "k0")).toBe(k0)

    // Elected, the replica that only ever saw p0 in a snapshot refuses a put replaying it.
    makeLeader(lagging)
    const length = lastIndex(lagging.state.log)
    const out = lagging.receive(put({ MID: "p0", dst: N3, key: "k0", value: values[0]![1], leader: N3 }))
    expect(responses(out)).toEqual([])
    expect(lastIndex(lagging.state.log)).toBe(length)
  })

  it("§7 an append that starts inside a follower's snapshot is trimmed to what follows the snapshot, not rejected", () => {
    const f = node()
    followLeader(f, N1, 2, [])
    f.receive(install({ src: N1, term: 2, lastIndex: 3, lastTerm: 1, pairs: [["k3", "t1"]] }))
    const late = append({ src: N1, term: 2, prevIndex: 1, prevTerm: 1, entries: entriesOfTerms([1, 1, 2, 2], 2), commit: 5 })
    const answer = sentOf(f.receive(late), "appended")
    expect(answer).toMatchObject([{ success: true, match: 5 }])
    expect(f.state.log).toMatchObject({ base: 3, entries: entriesOfTerms([2, 2], 4) })
    expect(f.state.commitIndex).toBe(5)
    expect(read(f.state.machine, "k5")).toBe("t2")

    // One that ends inside the snapshot is acknowledged as far as the snapshot goes.
    expect(sentOf(f.receive(append({ src: N1, term: 2, prevIndex: 0, entries: entriesOfTerms([1]) })), "appended")).toMatchObject([
      { success: true, match: 3 }
    ])
    expect(f.state.log.entries).toHaveLength(2)
  })
})

describe("§7 property: catching up across compactions over a bad link", () => {
  /** A draw in [0, 1) per call, from a seed. */
  const draws = (seed: number) => {
    let prng = seeded(seed)
    return () => {
      const [u, rest] = next(prng)
      prng = rest
      return u
    }
  }
  const midsOf = (machine: StateMachine) => new Set(recentItems(machine.applied))

  it("§7 for any puts (tiny to near the limit, few keys or many) and any loss, duplication and outage, every datagram fits and a lagging follower converges", () => {
    const scenario = fc.record({
      puts: fc.integer({ min: 2 * COMPACTION_INTERVAL + 100, max: 3 * COMPACTION_INTERVAL + 200 }),
      keys: fc.integer({ min: 1, max: 800 }),
      bigEvery: fc.integer({ min: 20, max: 400 }),
      bigSize: fc.integer({ min: 1_000, max: 64_000 }),
      // The put at which the link to the follower comes up: from the 2 × interval-th on, the leader has compacted what it missed.
      reopen: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * COMPACTION_INTERVAL - 1 }) },
        { weight: 2, arbitrary: fc.integer({ min: 2 * COMPACTION_INTERVAL, max: 3 * COMPACTION_INTERVAL + 200 }) }
      ),
      drop: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }),
      seed: fc.nat()
    })
    const installed = new Set<number>()
    fc.assert(
      fc.property(scenario, ({ puts: count, keys, bigEvery, bigSize, reopen, drop, duplicate, seed }) => {
        const random = draws(seed)
        const n = node()
        makeSettledLeader(n)
        const lagging = node(N3)
        let cut = true
        let longest = 0
        let jump = 1
        /** Delivers between the leader and N3 what `outputs` start, through the link: lost while cut, else lossy and duplicating. */
        const exchange = (outputs: ReadonlyArray<Output>) => {
          acknowledge(n, outputs)
          const queue = sent(outputs).filter((m) => m.dst === N3)
          for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
            if (cut || random() < drop) continue
            if (random() < duplicate) queue.push(m)
            const to = m.dst === N3 ? lagging : n
            if (m.type === "install") installed.add(seed)
            const committed = to.state.commitIndex
            const replies = to.receive(overTheWire(m), n.now)
            jump = Math.max(jump, to.state.commitIndex - committed)
            if (to === n) acknowledge(n, replies)
            queue.push(...sent(replies).filter((r) => r.dst === (to === n ? N3 : N0)))
          }
          longest = Math.max(longest, n.state.commitIndex - n.state.log.base, lagging.state.commitIndex - lagging.state.log.base)
        }
        const tick = (until: number) => {
          while (n.lastWake <= until) exchange(n.timeout(n.lastWake))
        }
        for (let i = 0; i < count; i++) {
          cut = i < reopen
          const size = random() * bigEvery < 1 ? bigSize : 1 + Math.floor(random() * 40)
          const at = n.now + 5
          tick(at)
          exchange(n.receive(put({ MID: `p${i}`, key: `k${i % keys}`, value: "x".repeat(size), leader: N0 }), at))
        }
        cut = false
        for (let beat = 0; beat < 200 && lagging.state.commitIndex < n.state.commitIndex; beat++) tick(n.now + timing.heartbeat)

        expect(n.state.role).toBe("leader")
        expect(n.state.log.base).toBeGreaterThanOrEqual(COMPACTION_INTERVAL)
        expect(lagging.state.commitIndex).toBe(n.state.commitIndex)
        expect(pairsOf(lagging.state.machine)).toEqual(pairsOf(n.state.machine))
        expect(midsOf(lagging.state.machine)).toEqual(midsOf(n.state.machine))
        // Two intervals of committed entries, give or take what one step commits at once.
        expect(longest).toBeLessThan(2 * COMPACTION_INTERVAL + jump)
      }),
      { seed: 20_240_917, numRuns: 10 }
    )
    expect(installed.size).toBeGreaterThanOrEqual(5) // runs in which the follower needed the snapshot
  })
})
