import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Cause, Effect, Exit, Option } from "effect"
import { StorageMisuse } from "../../../src/services/storage/errors.ts"
import { MemoryDisk, MemoryStorage } from "../../../src/services/storage/MemoryStorage.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { payload, script, shown, view } from "./model.ts"
import { behindFaults, DiskFaults, perform, reopen, tempDirectory } from "./support.ts"

const load = Effect.flatMap(Storage, (storage) => storage.load)

/** Every misuse the rules name, against a store holding entries 1-3 and a snapshot at 2. */
const misuses = Effect.gen(function* () {
  const storage = yield* Storage
  yield* storage.append([1, 2, 3].map((index) => ({ index, term: 1, payload: payload(index, 1, 0) })))
  yield* storage.saveSnapshot({ lastIncludedIndex: 2, lastIncludedTerm: 1, data: new Uint8Array(0) })
  const refused = [
    storage.append([{ index: 5, term: 1, payload: new Uint8Array(0) }]),
    storage.append([{ index: 4, term: 1, payload: new Uint8Array(0) }, { index: 6, term: 1, payload: new Uint8Array(0) }]),
    storage.truncateFrom(2),
    storage.dropPrefix(3),
    storage.saveSnapshot({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array(0) }),
    storage.saveHardState({ term: -1, votedFor: undefined })
  ]
  const exits = yield* Effect.forEach(refused, Effect.exit)
  yield* storage.append([{ index: 4, term: 1, payload: payload(4, 1, 0) }])
  return exits
})

const expectMisuses = (exits: ReadonlyArray<Exit.Exit<void, unknown>>) => {
  for (const exit of exits) {
    const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
    expect(Option.getOrUndefined(defect)).toBeInstanceOf(StorageMisuse)
  }
}

describe("Storage, both layers", () => {
  it("the memory layer keeps what the model keeps, across a restart", () => {
    fc.assert(
      fc.property(script, ({ rounds, states }) => {
        const disk = new MemoryDisk()
        Effect.runSync(Effect.forEach(rounds.flat(), perform).pipe(Effect.provide(MemoryStorage(disk))))
        const recovered = Effect.runSync(load.pipe(Effect.provide(MemoryStorage(disk))))
        expect(shown(recovered)).toEqual(view(states.at(-1)!))
      }),
      { numRuns: 50 }
    )
  })

  it("the disk layer keeps what the model keeps, across a restart, with rounds written concurrently", async () => {
    await fc.assert(
      fc.asyncProperty(script, ({ rounds, states }) =>
        Effect.gen(function* () {
          const directory = yield* tempDirectory
          yield* Effect.forEach(rounds, (round) => Effect.all(round.map(perform), { concurrency: "unbounded" })).pipe(
            Effect.provide(behindFaults(directory, new DiskFaults(), 600))
          )
          expect(shown(yield* reopen(directory, new DiskFaults()))).toEqual(view(states.at(-1)!))
        }).pipe(Effect.scoped, Effect.runPromise)
      ),
      { numRuns: 20 }
    )
  })

  it.scopedLive("both layers refuse the same misuse, as a defect, and carry on", () =>
    Effect.gen(function* () {
      expectMisuses(yield* misuses.pipe(Effect.provide(MemoryStorage(new MemoryDisk()))))
      const directory = yield* tempDirectory
      expectMisuses(yield* misuses.pipe(Effect.provide(behindFaults(directory, new DiskFaults()))))
      const recovered = yield* reopen(directory)
      expect(recovered.entries.map((entry) => entry.index)).toEqual([3, 4])
    })
  )
})
