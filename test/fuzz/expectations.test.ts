import { describe, expect, it } from "vitest"
import type { Violation } from "../../src/domain/raft/invariants/violation.ts"
import type { WireMessage } from "../../src/domain/wire/messages.ts"
import { appended, CLIENT, N0, N1, put, vote, voted } from "../domain/builders.ts"
import type { Fate } from "../../src/fuzz/cluster.ts"
import { achieved, problemWith } from "../../src/fuzz/expectations.ts"

const stepped = (message: WireMessage, fields: { readonly unchanged?: boolean; readonly sent?: ReadonlyArray<WireMessage>; readonly violations?: ReadonlyArray<Violation> }): Extract<Fate, { readonly _tag: "Stepped" }> => ({
  _tag: "Stepped",
  message,
  unchanged: fields.unchanged ?? true,
  sent: fields.sent ?? [],
  violations: fields.violations ?? []
})

const replayed = put({ MID: "m1", key: "k", value: "v", leader: N0 })
const ok: WireMessage = { src: N0, dst: CLIENT, leader: N0, type: "ok", MID: "m1" }
const forgedInstall: Violation = { invariant: "machines-agree", replica: N1, detail: "differs" }
const termWentBack: Violation = { invariant: "term-monotonic", replica: N1, detail: "went back" }

describe("what each category of hostile datagram may do", () => {
  it("unchanged: a step that keeps the state but answers a replayed MID a second time fails", () => {
    expect(problemWith("unchanged", stepped(replayed, {}))).toBeUndefined()
    expect(problemWith("unchanged", stepped(replayed, { sent: [ok] }))).toBe(`answered a put it must ignore with ${JSON.stringify(ok)}`)
    expect(problemWith("unchanged", stepped(replayed, { unchanged: false }))).toBe("changed the state on a put it must ignore")
  })

  it("refused: a stale message may be answered only with a refusal naming the newer term, to its sender", () => {
    const stale = vote({ src: N1, dst: N0, term: 2 })
    const refusal = voted({ src: N0, dst: N1, term: 5, granted: false })
    expect(problemWith("refused", stepped(stale, { sent: [refusal] }))).toBeUndefined()
    expect(problemWith("refused", stepped(stale, { sent: [{ ...refusal, granted: true }] }))).toMatch(/^answered a vote/)
    expect(problemWith("refused", stepped(stale, { sent: [{ ...refusal, term: 2 }] }))).toMatch(/^answered a vote/)
    expect(problemWith("refused", stepped(stale, { sent: [appended({ src: N0, dst: N1, term: 5, success: true })] }))).toMatch(/^answered a vote/)
  })

  it("robust: a lie may break what only honest peers guarantee, which is counted as its effect, never what a replica keeps itself", () => {
    const lie = appended({ src: N1, term: 3 })
    expect(problemWith("robust", stepped(lie, { unchanged: false, violations: [forgedInstall] }))).toBeUndefined()
    expect(achieved("robust", stepped(lie, { unchanged: false, violations: [forgedInstall, termWentBack] }))).toEqual([forgedInstall])
    expect(problemWith("robust", stepped(lie, { unchanged: false, violations: [termWentBack] }))).toBe("term-monotonic at 0001: went back")
  })

  it("safe: honest traffic, replayed or reworded, may break nothing at all", () => {
    const replay = appended({ src: N1, term: 3 })
    expect(problemWith("safe", stepped(replay, { unchanged: false, violations: [forgedInstall] }))).toBe("machines-agree at 0001: differs")
    expect(achieved("safe", stepped(replay, { unchanged: false, violations: [forgedInstall] }))).toEqual([])
  })
})
