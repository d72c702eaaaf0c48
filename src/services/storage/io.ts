import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { dirname } from "node:path"
import { Effect, type Scope } from "effect"
import { StorageIoError } from "./errors.ts"

/** Names a failed file-system call by what the store was doing and where. */
export const io =
  (operation: string, path: string) =>
  <A, R>(effect: Effect.Effect<A, PlatformError, R>): Effect.Effect<A, StorageIoError, R> =>
    Effect.mapError(effect, (cause) => new StorageIoError({ operation, path, cause }))

/**
 * The store's directory, held open so that creating, renaming and removing files in it can
 * be made durable: on Linux a new name survives a crash only once its directory is fsynced.
 */
export interface Directory {
  readonly path: string
  readonly sync: Effect.Effect<void, StorageIoError>
}

const syncDirectory = (fs: FileSystem.FileSystem, path: string) =>
  Effect.scoped(
    Effect.flatMap(io("open directory", path)(fs.open(path, { flag: "r" })), (handle) =>
      io("fsync directory", path)(handle.sync)
    )
  )

/**
 * Opens the directory, creating it first if need be, with any missing parents: each new one
 * is made durable by fsyncing the directory it was created in.
 */
export const openDirectory = (
  fs: FileSystem.FileSystem,
  path: string
): Effect.Effect<Directory, StorageIoError, Scope.Scope> =>
  Effect.gen(function* () {
    const missing: Array<string> = []
    for (let at = path; !(yield* io("stat", at)(fs.exists(at))) && dirname(at) !== at; at = dirname(at)) missing.push(at)
    if (missing.length > 0) {
      yield* io("create directory", path)(fs.makeDirectory(path, { recursive: true }))
      for (const created of missing.reverse()) yield* syncDirectory(fs, dirname(created))
    }
    const handle = yield* io("open directory", path)(fs.open(path, { flag: "r" }))
    return { path, sync: io("fsync directory", path)(handle.sync) }
  })
