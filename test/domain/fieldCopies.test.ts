import { describe, expect, it } from "vitest"
import { replicaId } from "../../src/domain/ids.ts"
import { initialProgress, progressWith } from "../../src/domain/raft/leader/progress.ts"
import { initialState, leaderWith, stateWith, type LeaderState } from "../../src/domain/raft/state.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"

/**
 * stateWith, leaderWith and progressWith write every field out by hand (state.ts says why), so
 * two fields of one type could be swapped or one forgotten without the compiler noticing. Each
 * must build exactly what the spread it replaces would: for every field in turn, changed to a
 * value found nowhere else in the object, and for no change at all.
 */
const agreesWithSpread = <T extends object>(base: T, copy: (base: T, changes: Partial<T>) => T): void => {
  expect(copy(base, {})).toStrictEqual({ ...base })
  for (const field of Object.keys(base) as Array<keyof T>) {
    const fresh = Symbol(String(field)) as T[keyof T]
    const changes = { [field]: fresh } as unknown as Partial<T>
    expect(copy(base, changes)).toStrictEqual({ ...base, [field]: fresh })
  }
}

const ids = [0, 1, 2, 3, 4].map(replicaId)
const state = initialState({ self: ids[0]!, peers: ids.slice(1), timing: defaultTiming }, 0, 0.5)

describe("field-by-field copies", () => {
  it("stateWith builds what { ...state, field } builds, field by field", () => {
    agreesWithSpread(state, stateWith)
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
