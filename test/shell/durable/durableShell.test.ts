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
const PEER2 = "0002" as NodeId
const CLIENT = "0099"

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
    return { storage, open: gate.open, close: gate.close }
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

  it.effect("sends a leader's appends as its write starts, and counts a follower's acknowledgement only once the leader's own write lands", () =>
    Effect.gen(function* () {
      const disk = new MemoryDisk()
      const { storage, open, close } = yield* gatedStorage(disk)
      const sent: Array<WireMessage> = []
      const transport = Transport.of({ send: (datagram) => void sent.push(JSON.parse(datagram)), listen: () => Effect.void })
      const shell = yield* makeDurableShell({ self: SELF, peers: [PEER, PEER2], timing: defaultTiming }).pipe(
        Effect.provide(Layer.mergeAll(Layer.succeed(Transport, transport), Layer.succeed(Storage, storage), silentLog))
      )
      const deliver = (message: object) => shell.onDatagram(new TextEncoder().encode(JSON.stringify({ src: PEER, dst: SELF, leader: BROADCAST, ...message })))
      const settleWrites = Effect.gen(function* () {
        for (let turn = 0; turn < 100; turn++) yield* Effect.yieldNow()
      })
      const lastAppend = () => sent.filter((m) => m.type === "append").at(-1)
      // Elected with the disk open: pre-vote, vote, then its no-op acknowledged.
      yield* open
      yield* TestClock.adjust(defaultTiming.electionMax)
      shell.onTimeout()
      deliver({ type: "voted", term: 1, granted: true, pre: true })
      yield* settleWrites
      deliver({ type: "voted", term: 1, granted: true, pre: false })
      yield* settleWrites
      expect(shell.state().role).toBe("leader")
      const noop = lastAppend()
      if (noop?.type !== "append") throw new Error("no append for the no-op")
      deliver({ type: "appended", term: 1, success: true, match: 1, conflictIndex: 0, conflictTerm: 0, at: noop.at })
      yield* settleWrites
      expect(shell.state().commitIndex).toBe(1)

      // The disk stalls; a put arrives.
      yield* close
      const before = sent.length
      shell.onDatagram(new TextEncoder().encode(JSON.stringify({ src: CLIENT, dst: SELF, leader: SELF, type: "put", MID: "m1", key: "k", value: "v" })))
      yield* settleWrites
      const append = lastAppend()
      if (append?.type !== "append") throw new Error("no append for the put")
      expect(sent.slice(before).map((m) => m.type)).toContain("append")
      expect([append.prevIndex, append.entries.length]).toEqual([1, 1])
      expect(disk.entries.map((e) => e.index)).toEqual([1])

      // A quorum's acknowledgement (PEER and the leader) is not counted while the leader's entry is not on its disk.
      deliver({ type: "appended", term: 1, success: true, match: 2, conflictIndex: 0, conflictTerm: 0, at: append.at })
      yield* settleWrites
      expect(shell.state().commitIndex).toBe(1)
      expect(sent.filter((m) => m.type === "ok")).toEqual([])

      yield* open
      yield* settleWrites
      expect(disk.entries.map((e) => e.index)).toEqual([1, 2])
      expect(shell.state().commitIndex).toBe(2)
      expect(sent.filter((m) => m.type === "ok").map((m) => "MID" in m && m.MID)).toEqual(["m1"])
    }).pipe(Effect.scoped)
  )
})
