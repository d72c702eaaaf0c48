/**
 * Holes an outside review found (issue 23), each shown by the smallest input that opened it.
 * Every test here failed before its fix.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { canServeReads } from "../../src/domain/raft/leader/leaseReads.ts"
import { read } from "../../src/domain/raft/log/stateMachine.ts"
import { MAX_PARKED } from "../../src/domain/raft/follower/parking.ts"
import { MAX_SNAPSHOT_INDEX, MAX_TERM_JUMP } from "../../src/domain/raft/step.ts"
import { decodeDatagram, encodeMessage } from "../../src/domain/wire/decode.ts"
import { MAX_COUNTER } from "../../src/domain/wire/messages.ts"
import {
  append,
  appended,
  asLeader,
  entry,
  followLeader,
  install,
  CLIENT,
  CLIENT2,
  commitPuts,
  get,
  makeSettledLeader,
  N0,
  N1,
  N2,
  N3,
  node,
  put,
  responses,
  sent,
  sentOf,
  timing
} from "./builders.ts"

const accepted = (text: string): boolean => Either.isRight(decodeDatagram(text))

describe("terms no peer could ever campaign past", () => {
  const appendWithTerm = (term: string) =>
    `{"src":"0001","dst":"0000","leader":"0001","type":"append","term":${term},"prevIndex":0,"prevTerm":0,"entries":[],"commit":0,"at":0,"ack":false}`

  it("a datagram carrying a term or index beyond MAX_COUNTER is refused at the wire", () => {
    expect(accepted(appendWithTerm(String(Number.MAX_SAFE_INTEGER)))).toBe(false)
    expect(accepted(appendWithTerm(String(MAX_COUNTER + 1)))).toBe(false)
    expect(accepted(appendWithTerm(String(MAX_COUNTER)))).toBe(true)
    // The hand-written decoder of the hot path agrees (an index field, for the entries' terms too).
    const withIndex = (field: string, value: number) => appendWithTerm("1").replace(`"${field}":0`, `"${field}":${value}`)
    expect(accepted(withIndex("prevIndex", MAX_COUNTER + 1))).toBe(false)
    expect(accepted(withIndex("commit", MAX_COUNTER + 1))).toBe(false)
  })

  it("one message cannot move a replica's term by more than MAX_TERM_JUMP; a jump within it is taken", () => {
    const n = node()
    const far = n.receive(append({ src: N1, term: MAX_TERM_JUMP + 1, at: 1 }))
    expect(n.state.term).toBe(0)
    expect(sent(far)).toEqual([])
    expect(far).toContainEqual(expect.objectContaining({ _tag: "Log", key: "refused:append" }))
    n.receive(append({ src: N1, term: MAX_TERM_JUMP, at: 1 }))
    expect(n.state).toMatchObject({ term: MAX_TERM_JUMP, leader: N1, role: "follower" })
  })
})

describe("indexes no datagram could carry", () => {
  it("a snapshot ending past MAX_SNAPSHOT_INDEX is refused: appends after it would take the log where no answer decodes", () => {
    const n = node()
    const far = n.receive(install({ src: N1, term: 1, lastIndex: MAX_COUNTER, lastTerm: 1, at: 1 }))
    expect(n.state).toMatchObject({ term: 0, commitIndex: 0, log: { base: 0 } })
    expect(far).toContainEqual(expect.objectContaining({ _tag: "Log", key: "refused:install" }))
    const after = n.receive(append({ src: N1, term: 1, prevIndex: MAX_COUNTER, prevTerm: 1, entries: [entry(1)], at: 1, ack: true }))
    for (const message of sent(after)) expect(accepted(encodeMessage(message)), JSON.stringify(message)).toBe(true)
    n.receive(install({ src: N1, term: 1, lastIndex: MAX_SNAPSHOT_INDEX, lastTerm: 1, at: 1 }))
    expect(n.state).toMatchObject({ commitIndex: MAX_SNAPSHOT_INDEX, log: { base: MAX_SNAPSHOT_INDEX } })
  })
})

describe("send times echoed by followers", () => {
  it("an answer echoing a send time from the future does not make the lease endless", () => {
    const n = node()
    makeSettledLeader(n)
    const term = n.state.term
    const now = n.now + 10
    n.receive(appended({ src: N1, term, match: 1, at: 1e308 }), now)
    n.receive(appended({ src: N2, term, match: 1, at: 1e308 }), now)
    expect(n.state.role).toBe("leader")
    // The lease runs from what the leader can have sent: at most now, plus the lease.
    expect(canServeReads(asLeader(n.state), now + timing.lease - 1)).toBe(true)
    expect(canServeReads(asLeader(n.state), now + timing.lease + 1)).toBe(false)
    expect(n.state.leaderState?.progress.get(N1)?.ackedAt).toBe(now)
    // One from before the term began counts from the election, not from long ago.
    n.receive(appended({ src: N3, term, match: 1, at: -1e308 }), now)
    expect(n.state.leaderState?.progress.get(N3)?.ackedAt).toBe(n.state.leaderState?.electedAt)
  })

  it("install and installed must carry a finite send time, as append and appended do", () => {
    const installed = (at: string) =>
      `{"src":"0001","dst":"0000","leader":"0000","type":"installed","term":1,"lastIndex":5,"offset":0,"done":true,"at":${at}}`
    const install = (at: string) =>
      `{"src":"0001","dst":"0000","leader":"0001","type":"install","term":1,"lastIndex":5,"lastTerm":1,"offset":0,"pairs":[],"mids":[],"done":true,"at":${at}}`
    expect(accepted(installed("3"))).toBe(true)
    expect(accepted(installed("1e999"))).toBe(false)
    expect(accepted(install("3"))).toBe(true)
    expect(accepted(install("1e999"))).toBe(false)
    expect(accepted(install("-1e999"))).toBe(false)
  })
})

describe("answers that could not cross", () => {
  it("a get whose ok would not fit one datagram is answered fail, never left unanswered", () => {
    const n = node()
    makeSettledLeader(n)
    commitPuts(n, [["big", "v".repeat(64_000)]])
    expect(read(n.state.machine, "big")).toHaveLength(64_000)
    const shortMid = responses(n.receive(get({ MID: "g1", key: "big", leader: N0 })))
    expect(shortMid).toEqual([expect.objectContaining({ type: "ok", MID: "g1" })])
    const longMid = "m".repeat(2_000)
    expect(responses(n.receive(get({ MID: longMid, key: "big", leader: N0 })))).toEqual([
      { src: N0, dst: CLIENT, leader: N0, type: "fail", MID: longMid }
    ])
  })
})

describe("MIDs are the client's own", () => {
  it("one client reusing another's MID is answered, not taken for a replay; the same client's replay still is", () => {
    const n = node()
    makeSettledLeader(n)
    commitPuts(n, [["a", "1"]], "shared")
    // commitPuts sent put "shared0" from CLIENT. Another client may pick the same MID.
    const other = n.receive(put({ src: CLIENT2, MID: "shared0", key: "b", value: "2", leader: N0 }))
    expect(sentOf(other, "append").length).toBeGreaterThan(0)
    expect(responses(n.receive(get({ src: CLIENT2, MID: "g", key: "a", leader: N0 })))).toEqual([
      expect.objectContaining({ type: "ok", MID: "g", value: "1" })
    ])
    expect(responses(n.receive(get({ src: CLIENT, MID: "g", key: "a", leader: N0 })))).toEqual([
      expect.objectContaining({ type: "ok", MID: "g", value: "1" })
    ])
    // The first client's own replays are still dropped, unanswered, and never applied twice.
    expect(sent(n.receive(put({ MID: "shared0", key: "a", value: "1", leader: N0 })))).toEqual([])
    expect(sent(n.receive(get({ MID: "g", key: "a", leader: N0 })))).toEqual([])
  })
})

describe("a flood of clients at a follower", () => {
  it("holds at most MAX_PARKED requests and redirects the rest at once", () => {
    const n = node()
    n.receive(append({ src: N1, term: 1, at: 0 }))
    expect(n.state.leader).toBe(N1)
    const answered = Array.from({ length: MAX_PARKED + 10 }, (_, i) => responses(n.receive(get({ MID: `f${i}`, key: "k", leader: N1 }))))
    expect(n.state.parked).toHaveLength(MAX_PARKED)
    expect(answered.slice(0, MAX_PARKED).every((r) => r.length === 0)).toBe(true)
    expect(answered.slice(MAX_PARKED).flat()).toEqual(
      Array.from({ length: 10 }, (_, i) => expect.objectContaining({ type: "redirect", MID: `f${MAX_PARKED + i}`, leader: N1 }))
    )
  })
})

describe("a snapshot that contradicts what a follower knows is committed", () => {
  it("is refused: one forged install cannot wipe a follower's applied puts", () => {
    const n = node()
    const put1 = entry(1, { key: "k", value: "v", client: CLIENT, mid: "p1" })
    followLeader(n, N1, 1, [entry(1), put1], 2)
    expect(read(n.state.machine, "k")).toBe("v")
    // The forgery of the review: offset 0, done, one entry past the commit index, no pairs.
    const out = n.receive(install({ src: N1, term: 1, lastIndex: 3, lastTerm: 1, pairs: [], mids: [], done: true, at: 5 }))
    expect(read(n.state.machine, "k")).toBe("v")
    expect(n.state.commitIndex).toBe(2)
    expect(sentOf(out, "installed")).toEqual([expect.objectContaining({ done: false, offset: 0 })])
    // An honest snapshot that holds the key is taken.
    n.receive(install({ src: N1, term: 1, lastIndex: 3, lastTerm: 1, pairs: [["k", "v"], ["j", "w"]], mids: [], done: true, at: 6 }))
    expect(n.state.commitIndex).toBe(3)
    expect(read(n.state.machine, "j")).toBe("w")
  })
})
