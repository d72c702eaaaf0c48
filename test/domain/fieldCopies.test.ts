import { describe, expect, it } from "vitest"
import { replicaId } from "../../src/domain/ids.ts"
import { initialProgress, progressWith } from "../../src/domain/raft/leader/progress.ts"
import {
  canvassWith,
  initialState,
  leaderStateWith,
  leaderWith,
  stateWith,
  toCandidate,
  toFollower,
  toLeader,
  toPrecandidate,
  type Canvass,
  type LeaderState,
  type RaftState
} from "../../src/domain/raft/state.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"

/**
 * stateWith, leaderWith and progressWith write every field out by hand (state.ts says why), so
 * two fields of one type could be swapped or one forgotten without the compiler noticing. Each
 * must build exactly what the spread it replaces would: for every field in turn (but those
 * `skipped`), changed to a value found nowhere else in the object, and for no change at all.
 */
const agreesWithSpread = <T extends object>(
  base: T,
  copy: (base: T, changes: Partial<T>) => T,
  skipped: ReadonlyArray<keyof T> = []
): void => {
  expect(copy(base, {})).toStrictEqual({ ...base })
  for (const field of Object.keys(base) as Array<keyof T>) {
    if (skipped.includes(field)) continue
    const fresh = Symbol(String(field)) as T[keyof T]
    const changes = { [field]: fresh } as unknown as Partial<T>
    expect(copy(base, changes)).toStrictEqual({ ...base, [field]: fresh })
  }
}

const ids = [0, 1, 2, 3, 4].map(replicaId)
const state = initialState({ self: ids[0]!, peers: ids.slice(1), timing: defaultTiming }, 0, 0.5)
if (state.role !== "follower") throw new Error("a replica starts as a follower")
/** Stand-ins for a role's own fields, found nowhere else in a state. */
const canvass = Symbol("canvass") as unknown as Canvass
const leaderState = Symbol("leaderState") as unknown as LeaderState
const votes = new Set(ids)

describe("field-by-field copies", () => {
  it("stateWith builds what { ...state, field } builds, field by field, and keeps the role's own fields", () => {
    agreesWithSpread(state, stateWith, ["role", "canvass", "leaderState"])
    const candidate = toCandidate(toPrecandidate(state, canvass, {}), canvass, {})
    agreesWithSpread(candidate, stateWith, ["role", "canvass", "leaderState"])
    const leader = toLeader(candidate, leaderState, {})
    agreesWithSpread<RaftState>(leader, stateWith, ["role", "canvass", "leaderState"])
  })

  it("each role change sets its role's own fields, clears the other role's, and makes the changes it is given", () => {
    const precandidate = toPrecandidate(state, canvass, { votes })
    expect(precandidate).toStrictEqual({ ...state, role: "precandidate", canvass, votes })
    const candidate = toCandidate(precandidate, canvass, { term: 7 })
    expect(candidate).toStrictEqual({ ...precandidate, role: "candidate", term: 7 })
    const leader = toLeader(candidate, leaderState, { parked: [] })
    expect(leader).toStrictEqual({ ...candidate, role: "leader", canvass: undefined, leaderState, parked: [] })
    expect(toFollower(leader, { term: 8 })).toStrictEqual({ ...leader, role: "follower", leaderState: undefined, term: 8 })
    expect(toFollower(candidate, {})).toStrictEqual({ ...candidate, role: "follower", canvass: undefined })
  })

  it("every state has the same fields in the same order, whatever its role: one hidden class", () => {
    const precandidate = toPrecandidate(state, canvass, {})
    const candidate = toCandidate(precandidate, canvass, {})
    const leader = toLeader(candidate, leaderState, {})
    for (const other of [precandidate, candidate, leader, toFollower(leader, {}), stateWith(leader, { term: 2 })]) {
      expect(Object.keys(other)).toEqual(Object.keys(state))
    }
  })

  it("a (pre-)candidate's canvass and a leader's view of its followers change in place, with nothing else", () => {
    const candidate = toCandidate(toPrecandidate(state, canvass, {}), canvass, {})
    const moved = Symbol("moved") as unknown as Canvass
    expect(canvassWith(candidate, moved, { votes })).toStrictEqual({ ...candidate, canvass: moved, votes })
    expect(canvassWith(candidate, moved)).toStrictEqual({ ...candidate, canvass: moved })
    const leader = toLeader(candidate, leaderState, {})
    const replaced = Symbol("replaced") as unknown as LeaderState
    expect(leaderStateWith(leader, replaced)).toStrictEqual({ ...leader, leaderState: replaced })
  })

  it("stateWith clears a field that may be undefined when the change names it so", () => {
    const voted = stateWith(state, { votedFor: ids[1] })
    expect(stateWith(voted, { votedFor: undefined }).votedFor).toBeUndefined()
  })

  it("leaderWith builds what { ...leader, field } builds, field by field", () => {
    const leader: LeaderState = {
      progress: new Map(),
      termStart: 1,
      electedAt: 10,
      uncommittedSince: 2,
      reads: [],
      held: [],
      delivery: { sent: 3, answered: 4 },
      roundTrip: { mean: 5, deviation: 6 }
    }
    agreesWithSpread(leader, leaderWith)
  })

  it("progressWith builds what { ...progress, field } builds, field by field", () => {
    agreesWithSpread({ ...initialProgress(5, 6, 7), snapshot: { lastIndex: 8, offset: 9 } }, progressWith)
  })
})
