import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { join } from "node:path"
import { Cause, Effect, Exit, Fiber, Layer, Option } from "effect"
import { CorruptRecord, StorageIoError } from "../../../src/services/storage/errors.ts"
import { segmentName } from "../../../src/services/storage/segments.ts"
import { SNAPSHOT_FILE, SNAPSHOT_TEMP } from "../../../src/services/storage/snapshotFile.ts"
import { type LogEntry, Storage } from "../../../src/services/storage/Storage.ts"
import { payload, shown, shownEntry, shownSnapshot } from "./model.ts"
import { behindFaults, DiskFaults, onDisk, reopen, segmentFiles, tempDirectory } from "./support.ts"

const entry = (index: number, term = 1): LogEntry => ({ index, term, payload: payload(index, term, 20) })
const indexes = (entries: ReadonlyArray<LogEntry>) => entries.map((e) => e.index)

const withStorage = <A, E, E2>(layer: Layer.Layer<Storage, E2>, use: (storage: Storage["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(Storage, use).pipe(Effect.provide(layer))

const real = <A, E>(use: (fs: FileSystem.FileSystem) => Effect.Effect<A, E>) =>
  Effect.flatMap(FileSystem.FileSystem, use).pipe(Effect.provide(NodeFileSystem.layer))

const sizeOf = (path: string) => real((fs) => Effect.map(fs.stat(path), (info) => Number(info.size)))

const failedWith = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

/** Opening the store fails, and with this. */
const openFailure = (directory: string) =>
  Effect.flip(reopen(directory)) as Effect.Effect<CorruptRecord | StorageIoError>

describe("DiskStorage", () => {
  it.scopedLive("keeps the hard state, the log, truncations and the snapshot across a restart, with real fsyncs", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* withStorage(onDisk(directory), (storage) =>
        Effect.gen(function* () {
          yield* storage.saveHardState({ term: 3, votedFor: "0002" })
          yield* storage.append([entry(1), entry(2), entry(3), entry(4)])
          yield* storage.truncateFrom(3)
          yield* storage.append([entry(3, 3)])
          yield* storage.saveSnapshot({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array([7, 7]) })
          yield* storage.dropPrefix(1)
        })
      )
      const recovered = yield* reopen(directory)
      expect(shown(recovered)).toEqual(
        shown({
          hardState: { term: 3, votedFor: "0002" },
          snapshot: { lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array([7, 7]) },
          entries: [entry(2), entry(3, 3)]
        })
      )
    })
  )

  it.scopedLive("creates its directory and missing parents, each made durable in its parent", () =>
    Effect.gen(function* () {
      const root = yield* tempDirectory
      const directory = join(root, "replica", "0001")
      const faults = new DiskFaults()
      yield* withStorage(behindFaults(directory, faults), (storage) => storage.append([entry(1)]))
      expect(faults.syncs.get(root)).toBe(1)
      expect(faults.syncs.get(join(root, "replica"))).toBe(1)
      expect(indexes((yield* reopen(directory)).entries)).toEqual([1])
    })
  )

  it.scopedLive("cuts off a write torn by a crash, and appends after the last good record", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const segment = join(directory, segmentName(1))
      const faults = new DiskFaults()
      const { before, torn } = yield* withStorage(behindFaults(directory, faults), (storage) =>
        Effect.gen(function* () {
          yield* storage.append([entry(1)])
          yield* storage.append([entry(2)])
          const before = yield* sizeOf(segment)
          faults.tearNextWrite = 0.5
          const torn = yield* Effect.exit(storage.append([entry(3), entry(4)]))
          return { before, torn }
        })
      )
      expect(failedWith(torn)).toBeInstanceOf(StorageIoError)
      expect(yield* sizeOf(segment)).toBeGreaterThan(before)

      expect(indexes((yield* reopen(directory)).entries)).toEqual([1, 2])
      expect(yield* sizeOf(segment)).toBe(before)
      yield* withStorage(onDisk(directory), (storage) => storage.append([entry(3, 2)]))
      expect(shown(yield* reopen(directory)).entries).toEqual([entry(1), entry(2), entry(3, 2)].map(shownEntry))
    })
  )

  it.scopedLive("takes a tail cut short or zero-filled by a crash for a torn write", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const segment = join(directory, segmentName(1))
      yield* withStorage(behindFaults(directory, new DiskFaults()), (storage) =>
        Effect.forEach([1, 2, 3], (index) => storage.append([entry(index)]))
      )
      const full = yield* sizeOf(segment)
      yield* real((fs) => fs.truncate(segment, full - 5))
      expect(indexes((yield* reopen(directory)).entries)).toEqual([1, 2])

      const cut = yield* sizeOf(segment)
      yield* real((fs) => fs.writeFile(segment, new Uint8Array(300), { flag: "a" }))
      expect(indexes((yield* reopen(directory)).entries)).toEqual([1, 2])
      expect(yield* sizeOf(segment)).toBe(cut)
    })
  )

  it.scopedLive("reports damage before the tail as a CorruptRecord naming the file and the record's offset", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const segment = join(directory, segmentName(1))
      const offsets = yield* withStorage(behindFaults(directory, new DiskFaults()), (storage) =>
        Effect.forEach([1, 2, 3], (index) => Effect.zipLeft(sizeOf(segment), storage.append([entry(index)])))
      )
      const second = offsets[1]!
      const pristine = yield* real((fs) => fs.readFile(segment))
      const corrupt = (at: number) => {
        const bytes = Uint8Array.from(pristine)
        bytes[at] = bytes[at]! ^ 0x40
        return real((fs) => fs.writeFile(segment, bytes))
      }

      yield* corrupt(second + 20)
      const inBody = yield* openFailure(directory)
      expect(inBody).toBeInstanceOf(CorruptRecord)
      expect(inBody).toMatchObject({ file: segment, offset: second, reason: "the frame body fails its checksum" })
      expect(inBody.message).toContain(`${segment} at byte ${second}`)

      yield* corrupt(second + 1)
      expect(yield* openFailure(directory)).toMatchObject({ file: segment, offset: second, reason: "the frame header fails its checksum" })

      yield* corrupt(offsets[2]! + 20)
      expect(indexes((yield* reopen(directory)).entries)).toEqual([1, 2])
    })
  )

  it.scopedLive("forgives a torn record only in the last segment, and misses no segment", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* withStorage(behindFaults(directory, new DiskFaults(), 1), (storage) =>
        Effect.forEach([1, 2, 3], (index) => storage.append([entry(index)]))
      )
      expect(yield* segmentFiles(directory)).toEqual([2, 3, 4].map(segmentName))
      const middle = join(directory, segmentName(3))
      const size = yield* sizeOf(middle)
      yield* real((fs) => fs.truncate(middle, size - 1))
      expect(yield* openFailure(directory)).toMatchObject({ file: middle, reason: expect.stringContaining("past the end of the file") })

      yield* real((fs) => fs.remove(middle))
      expect(yield* openFailure(directory)).toMatchObject({
        file: join(directory, segmentName(4)),
        offset: 0,
        reason: "segment 3 is missing"
      })
    })
  )

  it.scopedLive("fails a write whose fsync fails, refuses every later write, and loses no acknowledged one", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const faults = new DiskFaults()
      const [failed, later, snapshot] = yield* withStorage(behindFaults(directory, faults), (storage) =>
        Effect.gen(function* () {
          yield* storage.saveHardState({ term: 1, votedFor: "0001" })
          yield* storage.append([entry(1)])
          faults.failNextSync = true
          return yield* Effect.all([
            Effect.exit(storage.append([entry(2)])),
            Effect.exit(storage.saveHardState({ term: 2, votedFor: undefined })),
            Effect.exit(storage.saveSnapshot({ lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array(0) }))
          ])
        })
      )
      const error = failedWith(failed)
      expect(error).toBeInstanceOf(StorageIoError)
      expect(error).toMatchObject({ operation: "fsync", path: join(directory, segmentName(1)) })
      expect(failedWith(later)).toBe(error)
      expect(failedWith(snapshot)).toBe(error)

      yield* faults.powerCut(() => 0).pipe(Effect.provide(NodeFileSystem.layer))
      const recovered = yield* reopen(directory)
      expect(recovered.hardState).toEqual({ term: 1, votedFor: "0001" })
      expect(indexes(recovered.entries)).toEqual([1])
      expect(recovered.snapshot).toBeUndefined()
    })
  )

  it.scopedLive("group commit: writes queued during an fsync share the next one", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const faults = new DiskFaults()
      const segment = join(directory, segmentName(1))
      yield* withStorage(behindFaults(directory, faults), (storage) =>
        Effect.gen(function* () {
          const opened = faults.syncCount((path) => path === segment)
          faults.syncGate = yield* Effect.makeLatch(false)
          const first = yield* Effect.fork(storage.append([entry(1)]))
          while (faults.syncsWaiting === 0) yield* Effect.yieldNow()
          const rest = yield* Effect.forEach([2, 3, 4, 5, 6, 7, 8, 9, 10, 11], (index) =>
            Effect.fork(storage.append([entry(index)]))
          )
          yield* Effect.yieldNow()
          expect(faults.syncCount((path) => path === segment)).toBe(opened)
          yield* faults.syncGate.open
          yield* Fiber.join(first)
          yield* Fiber.join(Fiber.all(rest))
          expect(faults.syncCount((path) => path === segment) - opened).toBe(2)
        })
      )
      expect(indexes((yield* reopen(directory)).entries)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    })
  )

  const snapshotCrashes: ReadonlyArray<readonly [string, (faults: DiskFaults) => void]> = [
    [
      "a crash before the rename",
      (faults) => {
        faults.crashOnRename = true
      }
    ],
    [
      "a crash tearing the temporary file",
      (faults) => {
        faults.tearNextWrite = 0.5
      }
    ]
  ]

  it.scopedLive.each(snapshotCrashes)("a snapshot is replaced whole: %s leaves the old one", ([, fault]) =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const faults = new DiskFaults()
      const old = { lastIncludedIndex: 1, lastIncludedTerm: 1, data: new Uint8Array([1, 1, 1]) }
      const saved = yield* withStorage(behindFaults(directory, faults), (storage) =>
        Effect.gen(function* () {
          yield* storage.append([entry(1), entry(2)])
          yield* storage.saveSnapshot(old)
          fault(faults)
          return yield* Effect.exit(storage.saveSnapshot({ lastIncludedIndex: 2, lastIncludedTerm: 1, data: new Uint8Array([2, 2]) }))
        })
      )
      expect(failedWith(saved)).toBeInstanceOf(StorageIoError)
      expect(yield* real((fs) => fs.exists(join(directory, SNAPSHOT_TEMP)))).toBe(true)

      const recovered = yield* reopen(directory)
      expect(shown(recovered).snapshot).toEqual(shownSnapshot(old))
      expect(indexes(recovered.entries)).toEqual([2])
      expect(yield* real((fs) => fs.exists(join(directory, SNAPSHOT_TEMP)))).toBe(false)
      expect(yield* real((fs) => fs.exists(join(directory, SNAPSHOT_FILE)))).toBe(true)
    })
  )

  it.scopedLive("removes the segments that hold no entry the log needs, after compaction, and keeps the vote they recorded", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      yield* withStorage(behindFaults(directory, new DiskFaults(), 1), (storage) =>
        Effect.gen(function* () {
          yield* storage.saveHardState({ term: 4, votedFor: "0003" })
          yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], (index) => storage.append([entry(index, 4)]))
          // The first segments held only their header and the vote: nothing replay needs, as later headers carry the vote.
          expect(yield* segmentFiles(directory)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map(segmentName))
          yield* storage.saveSnapshot({ lastIncludedIndex: 5, lastIncludedTerm: 4, data: new Uint8Array([5]) })
          yield* storage.dropPrefix(5)
          expect(yield* segmentFiles(directory)).toEqual([8, 9, 10].map(segmentName))
          yield* storage.truncateFrom(7)
          yield* storage.append([entry(7, 5)])
          yield* storage.saveSnapshot({ lastIncludedIndex: 6, lastIncludedTerm: 4, data: new Uint8Array([6]) })
          yield* storage.dropPrefix(6)
          expect(yield* segmentFiles(directory)).toEqual([segmentName(12)])
        })
      )
      const recovered = yield* reopen(directory)
      expect(recovered.hardState).toEqual({ term: 4, votedFor: "0003" })
      expect(recovered.snapshot?.lastIncludedIndex).toBe(6)
      expect(shown(recovered).entries).toEqual([shownEntry(entry(7, 5))])
    })
  )
})
