import type { FileSystem } from "@effect/platform"
import { join } from "node:path"
import { Effect } from "effect"
import { ByteReader, ByteWriter } from "./bytes.ts"
import { CorruptRecord, type StorageIoError } from "./errors.ts"
import { frame, readFrame } from "./frame.ts"
import { type Directory, io } from "./io.ts"
import { FORMAT_VERSION } from "./logRecords.ts"
import type { Snapshot } from "./Storage.ts"

/**
 * The snapshot lives in one file, one frame, replaced whole: written to a temporary name,
 * fsynced, renamed over the old one, and the directory fsynced. Rename is atomic, so a crash
 * leaves the old snapshot or the new one, and never a torn one: any damage is corruption.
 */
export const SNAPSHOT_FILE = "snapshot"
export const SNAPSHOT_TEMP = "snapshot.tmp"

export const encodeSnapshot = (snapshot: Snapshot): Uint8Array =>
  frame(
    new ByteWriter(2 + 8 + 8 + snapshot.data.length)
      .u16(FORMAT_VERSION)
      .u53(snapshot.lastIncludedIndex)
      .u53(snapshot.lastIncludedTerm)
      .raw(snapshot.data).bytes
  )

export const decodeSnapshot = (file: string, bytes: Uint8Array): Snapshot | CorruptRecord => {
  const read = bytes.length === 0 ? { _tag: "Bad" as const, reason: "the file is empty" } : readFrame(bytes, 0)
  if (read._tag === "Bad") return new CorruptRecord({ file, offset: 0, reason: read.reason })
  if (read.end !== bytes.length) {
    return new CorruptRecord({ file, offset: read.end, reason: `${bytes.length - read.end} bytes after the snapshot` })
  }
  const reader = new ByteReader(read.body)
  const version = reader.u16()
  const lastIncludedIndex = reader.u53()
  const lastIncludedTerm = reader.u53()
  if (reader.malformed || version !== FORMAT_VERSION) {
    return new CorruptRecord({ file, offset: 0, reason: `not a snapshot of format version ${FORMAT_VERSION}` })
  }
  return { lastIncludedIndex, lastIncludedTerm, data: new Uint8Array(reader.raw(reader.remaining)) }
}

/** The durable snapshot, if any; a leftover temporary file (a save the crash cut short) is removed. */
export const readSnapshot = (
  fs: FileSystem.FileSystem,
  directory: Directory
): Effect.Effect<Snapshot | undefined, StorageIoError | CorruptRecord> =>
  Effect.gen(function* () {
    const temp = join(directory.path, SNAPSHOT_TEMP)
    yield* io("remove", temp)(fs.remove(temp, { force: true }))
    const path = join(directory.path, SNAPSHOT_FILE)
    if (!(yield* io("stat", path)(fs.exists(path)))) return undefined
    const snapshot = decodeSnapshot(path, yield* io("read", path)(fs.readFile(path)))
    return snapshot instanceof CorruptRecord ? yield* snapshot : snapshot
  })

export const writeSnapshot = (
  fs: FileSystem.FileSystem,
  directory: Directory,
  snapshot: Snapshot
): Effect.Effect<void, StorageIoError> =>
  Effect.gen(function* () {
    const temp = join(directory.path, SNAPSHOT_TEMP)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const file = yield* io("create", temp)(fs.open(temp, { flag: "w" }))
        yield* io("write", temp)(file.writeAll(encodeSnapshot(snapshot)))
        yield* io("fsync", temp)(file.sync)
      })
    )
    yield* io("rename", temp)(fs.rename(temp, join(directory.path, SNAPSHOT_FILE)))
    yield* directory.sync
  })
