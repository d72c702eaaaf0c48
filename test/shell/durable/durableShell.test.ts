import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { BROADCAST, type NodeId } from "../../../src/domain/ids.ts"
import { defaultTiming } from "../../../src/domain/raft/timing.ts"
import type { WireMessage } from "../../../src/domain/wire/messages.ts"
import { silentLog } from "../../../src/services/ReplicaLog.ts"
import { MemoryDisk, MemoryStorage } from "../../../src/services/storage/MemoryStorage.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { Transport } from "../../../src/services/Transport.ts"
import { makeDurableShell } from "../../../src/shell/durable/durableShell.ts"

const SELF = "0000" as NodeId
const PEER = "0001" as NodeId

/** A store whose writes land only once `open` is called: the disk is slow. */
const gatedStorage = (disk: MemoryDisk) =>
  Effect.gen(function* () {
    const inner = yield* Storage.pipe(Effect.provide(MemoryStorage(disk)))
    const gate = yield* Effect.makeLatch(false)
    const gated = <A extends ReadonlyArray<unknown>, E>(write: (...args: A) => Effect.Effect<void, E>) => (...args: A) =>
      Effect.zipRight(gate.await, write(...args))
    const storage = Storage.of({
      load: inner.load,
      saveHardState: gated(inner.saveHardState),
      append: gated(inner.append),
      truncateFrom: gated(inner.truncateFrom),
      dropPrefix: gated(inner.dropPrefix),
      saveSnapshot: gated(inner.saveSnapshot)
    })
    return { storage, open: gate.open }
  })

describe("the durable shell", () => {
  it.effect("holds a step's messages until its vote is on disk, and sends what changes nothing durable at once", () =>
    Effect.gen(function* () {
      const disk = new MemoryDisk()
      const { storage, open } = yield* gatedStorage(disk)
      const sent: Array<WireMessage> = []
      const transport = Transport.of({ send: (datagram) => void sent.push(JSON.parse(datagram)), listen: () => Effect.void })
      const shell = yield* makeDurableShell({ self: SELF, peers: [PEER], timing: defaultTiming }).pipe(
        Effect.provide(Layer.mergeAll(Layer.succeed(Transport, transport), Layer.succeed(Storage, storage), silentLog))
      )
      yield* TestClock.adjust(defaultTiming.electionMax)
      shell.onTimeout()
      // A pre-vote moves no term: its request leaves in the step.
      expect(sent.map((m) => [m.type, "pre" in m && m.pre])).toEqual([["vote", true]])
      const granted = { src: PEER, dst: SELF, leader: BROADCAST, type: "voted", term: 1, granted: true, pre: true }
      shell.onDatagram(new TextEncoder().encode(JSON.stringify(granted)))
      expect(shell.state().term).toBe(1)
      expect(sent).toHaveLength(1)
      expect(disk.hardState).toEqual({ term: 0, votedFor: undefined })
      yield* open
      for (let turn = 0; turn < 100 && sent.length === 1; turn++) yield* Effect.yieldNow()
      expect(disk.hardState).toEqual({ term: 1, votedFor: SELF })
      expect(sent.map((m) => [m.type, "pre" in m && m.pre, "term" in m && m.term])).toEqual([
        ["vote", true, 1],
        ["vote", false, 1]
      ])
    }).pipe(Effect.scoped)
  )
})
