import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { DiskStorage } from "../../../src/services/storage/DiskStorage.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { DiskFaults, FaultFileSystem } from "./faultFileSystem.ts"
import type { Op } from "./model.ts"

/** One op of the model through the service. */
export const perform = (op: Op) =>
  Effect.flatMap(Storage, (storage) => {
    switch (op._tag) {
      case "HardState":
        return storage.saveHardState(op.hardState)
      case "Append":
        return storage.append(op.entries)
      case "Truncate":
        return storage.truncateFrom(op.from)
      case "Snapshot":
        return Effect.andThen(storage.saveSnapshot(op.snapshot), storage.dropPrefix(op.snapshot.lastIncludedIndex))
    }
  })

/** A fresh directory for one test, removed with its scope. */
export const tempDirectory = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "raft-storage-" })
).pipe(Effect.provide(NodeFileSystem.layer))

/** The store in `directory` on the real file system, with real fsyncs. */
export const onDisk = (directory: string, segmentBytes?: number) =>
  DiskStorage(segmentBytes === undefined ? { directory } : { directory, segmentBytes }).pipe(Layer.provide(NodeFileSystem.layer))

/** The store in `directory` behind `faults` (fsyncs simulated, so fast). */
export const behindFaults = (directory: string, faults: DiskFaults, segmentBytes?: number) =>
  DiskStorage(segmentBytes === undefined ? { directory } : { directory, segmentBytes }).pipe(
    Layer.provide(FaultFileSystem(faults)),
    Layer.provide(NodeFileSystem.layer)
  )

/**
 * Opens the store in `directory` afresh, as a restarted replica does, and reads what it
 * recovered: on the real file system, or behind `faults` where fsyncs are only simulated.
 */
export const reopen = (directory: string, faults?: DiskFaults) =>
  Effect.flatMap(Storage, (storage) => storage.load).pipe(
    Effect.provide(faults === undefined ? onDisk(directory) : behindFaults(directory, faults))
  )

export const segmentFiles = (directory: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readDirectory(directory)).pipe(
    Effect.map((names) => names.filter((name) => name.endsWith(".log")).sort()),
    Effect.provide(NodeFileSystem.layer)
  )

export { DiskFaults }
