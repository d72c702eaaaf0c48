import { describe, expect, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Cause, Effect, Exit, Option } from "effect"
import fc from "fast-check"
import { StorageIoError } from "../../../src/services/storage/errors.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { payload, script, shown, view } from "./model.ts"
import { behindFaults, DiskFaults, perform, reopen, tempDirectory } from "./support.ts"

type Fault =
  | { readonly kind: "tear"; readonly fraction: number }
  | { readonly kind: "failSync" }
  | { readonly kind: "crashOnRename" }
  | { readonly kind: "powerCutOnly" }

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant("tear" as const), fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
  fc.constant({ kind: "failSync" as const }),
  fc.constant({ kind: "crashOnRename" as const }),
  fc.constant({ kind: "powerCutOnly" as const })
)

const arm = (faults: DiskFaults, chosen: Fault) => {
  if (chosen.kind === "tear") faults.tearNextWrite = chosen.fraction
  if (chosen.kind === "failSync") faults.failNextSync = true
  if (chosen.kind === "crashOnRename") faults.crashOnRename = true
}

describe("DiskStorage after a crash", () => {
  it("recovers every acknowledged write and no partial one: the state after some prefix of the writes issued", async () => {
    await fc.assert(
      fc.asyncProperty(
        script,
        fault,
        fc.nat(),
        fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
        ({ rounds, states }, chosen, faultRound, kept) =>
          Effect.gen(function* () {
            const directory = yield* tempDirectory
            const faults = new DiskFaults()
            const exits: Array<Exit.Exit<void, StorageIoError>> = []
            yield* Effect.gen(function* () {
              for (const [r, round] of rounds.entries()) {
                if (r === faultRound % rounds.length) arm(faults, chosen)
                const settled = yield* Effect.all(
                  round.map((op) => Effect.exit(perform(op))),
                  { concurrency: "unbounded" }
                )
                exits.push(...settled)
                if (settled.some(Exit.isFailure)) return
              }
            }).pipe(Effect.provide(behindFaults(directory, faults, 300)))
            yield* faults.powerCut((unsynced) => Math.floor(unsynced * kept)).pipe(Effect.provide(NodeFileSystem.layer))

            const acknowledged = exits.findIndex(Exit.isFailure)
            const acked = acknowledged === -1 ? exits.length : acknowledged
            for (const exit of exits.slice(acked)) {
              const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
              expect(Option.getOrUndefined(error)).toBeInstanceOf(StorageIoError)
            }
            const recovered = yield* reopen(directory, new DiskFaults())
            expect(states.slice(acked, exits.length + 1).map(view)).toContainEqual(shown(recovered))

            const after = recovered.snapshot?.lastIncludedIndex ?? 0
            const next = { index: (recovered.entries.at(-1)?.index ?? after) + 1, term: 99, payload: payload(0, 99, 3) }
            yield* Effect.flatMap(Storage, (storage) => storage.append([next])).pipe(
              Effect.provide(behindFaults(directory, new DiskFaults(), 300))
            )
            const again = yield* reopen(directory, new DiskFaults())
            expect(shown(again)).toEqual(shown({ ...recovered, entries: [...recovered.entries, next] }))
          }).pipe(Effect.scoped, Effect.runPromise)
      ),
      { numRuns: 30 }
    )
  })
})
