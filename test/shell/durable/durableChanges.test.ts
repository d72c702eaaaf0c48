import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { RandomStream } from "../../../src/domain/randomStream.ts"
import { durableChanges, hasChanges } from "../../../src/domain/raft/durable/durableChanges.ts"
import { recoveredState } from "../../../src/domain/raft/durable/recoveredState.ts"
import type { RaftState } from "../../../src/domain/raft/state.ts"
import { MemoryDisk, MemoryStorage } from "../../../src/services/storage/MemoryStorage.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { decodeRecovered, writeChanges } from "../../../src/shell/durable/storageCodec.ts"
import { FuzzCluster, REPLICAS } from "../../../src/fuzz/cluster.ts"

/** Long enough for a few forced elections and, at a put every 25 ms, a compaction or two. */
const RUN_MS = 60_000

/** The store over `disk`, opened once: its writes go straight to the disk. */
const storageOn = (disk: MemoryDisk) => Effect.runSync(Storage.pipe(Effect.provide(MemoryStorage(disk))))

const recovered = (disk: MemoryDisk, like: RaftState): RaftState =>
  recoveredState(like.config, decodeRecovered(Effect.runSync(Effect.flatMap(Storage, (storage) => storage.load).pipe(Effect.provide(MemoryStorage(disk))))), 0, 0)

/** What Raft must keep: it must come back from the disk exactly as the replica held it. */
const persistent = (state: RaftState) => ({
  term: state.term,
  votedFor: state.votedFor,
  base: state.log.base,
  baseTerm: state.log.baseTerm,
  entries: state.log.entries,
  snapshot: state.snapshot
})

describe("durableChanges", () => {
  it("a state compared with itself has nothing to persist", () => {
    const cluster = new FuzzCluster(new RandomStream(1))
    cluster.advanceTo(5_000)
    for (const id of REPLICAS) expect(hasChanges(durableChanges(cluster.state(id), cluster.state(id)))).toBe(false)
  })

  it("replaying what it says to persist, batch after batch, rebuilds every replica's term, vote, log and snapshot", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 200, maxLength: 200 }), (seed, gaps) => {
        const cluster = new FuzzCluster(new RandomStream(seed))
        const disks = new Map(REPLICAS.map((id) => [id, new MemoryDisk()]))
        const stores = new Map(REPLICAS.map((id) => [id, storageOn(disks.get(id)!)]))
        const persisted = new Map(REPLICAS.map((id) => [id, cluster.state(id)]))
        let compactions = 0
        for (let at = 0, turn = 0; at < RUN_MS; turn++) {
          at += gaps[turn % gaps.length]!
          cluster.advanceTo(at)
          for (const id of REPLICAS) {
            const before = persisted.get(id)!
            const after = cluster.state(id)
            if (after.snapshot !== before.snapshot) compactions++
            Effect.runSync(writeChanges(stores.get(id)!, durableChanges(before, after)))
            persisted.set(id, after)
          }
        }
        expect(compactions).toBeGreaterThan(0)
        expect(cluster.activity.elections).toBeGreaterThan(1)
        for (const id of REPLICAS) {
          const final = cluster.state(id)
          expect(persistent(recovered(disks.get(id)!, final))).toEqual(persistent(final))
        }
      }),
      { numRuns: 2 }
    )
  })
})
