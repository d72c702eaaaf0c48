import { FileSystem } from "@effect/platform"
import { type PlatformError, SystemError } from "@effect/platform/Error"
import { Effect, Layer } from "effect"

/**
 * The faults to inject, and what the file system saw. Durability is simulated: `sync` records
 * the file's size instead of calling fsync, and `powerCut` cuts every file back to that size
 * plus some of what was written after it, as a machine that loses power keeps what it
 * fsynced and maybe a little more. The store only appends to its files (and truncates a torn
 * tail), so a size is all there is to remember. Directory entries count as durable at once:
 * the store's directory fsyncs are counted, not modelled.
 */
export class DiskFaults {
  /** Once set, every call fails, as a process that lost its disk would see. */
  crashed = false
  /** The next write puts only this fraction of its bytes on disk, then the system crashes. */
  tearNextWrite: number | undefined = undefined
  /** The next fsync fails (EIO), without a crash. */
  failNextSync = false
  /** The next rename crashes the system before it happens. */
  crashOnRename = false
  /** While closed, fsyncs wait on it. */
  syncGate: Effect.Latch | undefined = undefined
  /** How many fsyncs are waiting on the gate. */
  syncsWaiting = 0
  /** How many fsyncs each path (file or directory) has had. */
  readonly syncs = new Map<string, number>()
  /** Each file's size as of its last fsync: what a power cut keeps for sure. */
  readonly durableSize = new Map<string, number>()

  syncCount(predicate: (path: string) => boolean): number {
    let count = 0
    for (const [path, n] of this.syncs) if (predicate(path)) count += n
    return count
  }

  /** Never more than a file holds: a truncation takes durable bytes too. */
  lowerDurable(path: string, size: number): void {
    const known = this.durableSize.get(path)
    if (known !== undefined && known > size) this.durableSize.set(path, size)
  }

  /**
   * Crashes the system and cuts every file to its last fsynced size plus `keep(bytes written
   * since)` bytes. Runs on the real file system, below the faults.
   */
  powerCut(keep: (unsynced: number) => number): Effect.Effect<void, PlatformError, FileSystem.FileSystem> {
    this.crashed = true
    const sizes = [...this.durableSize]
    return Effect.gen(function* () {
      const real = yield* FileSystem.FileSystem
      for (const [path, durable] of sizes) {
        if (!(yield* real.exists(path))) continue
        const size = Number((yield* real.stat(path)).size)
        if (size > durable) yield* real.truncate(path, durable + Math.min(size - durable, keep(size - durable)))
      }
    })
  }
}

const failure = (method: string, path: string, description: string): PlatformError =>
  new SystemError({ reason: "Unknown", module: "FileSystem", method, pathOrDescriptor: path, description })

const withFaults = (real: FileSystem.FileSystem, faults: DiskFaults): FileSystem.FileSystem => {
  const guard = <A, R>(method: string, path: string, effect: Effect.Effect<A, PlatformError, R>) =>
    Effect.suspend(() => (faults.crashed ? Effect.fail(failure(method, path, "the system crashed")) : effect))

  const tearable = (path: string, file: FileSystem.File, bytes: Uint8Array) =>
    guard(
      "write",
      path,
      Effect.suspend(() => {
        const fraction = faults.tearNextWrite
        if (fraction === undefined) return file.writeAll(bytes)
        faults.tearNextWrite = undefined
        return Effect.andThen(file.writeAll(bytes.subarray(0, Math.floor(bytes.length * fraction))), () => {
          faults.crashed = true
          return Effect.fail(failure("write", path, "the system crashed during the write"))
        })
      })
    )

  const sync = (path: string, file: FileSystem.File) =>
    guard(
      "sync",
      path,
      Effect.gen(function* () {
        if (faults.syncGate !== undefined) {
          faults.syncsWaiting += 1
          yield* Effect.ensuring(faults.syncGate.await, Effect.sync(() => (faults.syncsWaiting -= 1)))
        }
        if (faults.failNextSync) {
          faults.failNextSync = false
          return yield* Effect.fail(failure("sync", path, "EIO (injected)"))
        }
        faults.syncs.set(path, (faults.syncs.get(path) ?? 0) + 1)
        faults.durableSize.set(path, Number((yield* file.stat).size))
      })
    )

  const wrap = (path: string, file: FileSystem.File): FileSystem.File => ({
    [FileSystem.FileTypeId]: FileSystem.FileTypeId,
    fd: file.fd,
    stat: guard("stat", path, file.stat),
    seek: (offset, from) => file.seek(offset, from),
    sync: sync(path, file),
    read: (buffer) => guard("read", path, file.read(buffer)),
    readAlloc: (size) => guard("readAlloc", path, file.readAlloc(size)),
    truncate: (length) =>
      guard("truncate", path, Effect.tap(file.truncate(length), () => faults.lowerDurable(path, Number(length ?? 0)))),
    write: (buffer) => Effect.as(tearable(path, file, buffer), FileSystem.Size(buffer.length)),
    writeAll: (buffer) => tearable(path, file, buffer)
  })

  return {
    ...real,
    exists: (path) => guard("exists", path, real.exists(path)),
    makeDirectory: (path, options) => guard("makeDirectory", path, real.makeDirectory(path, options)),
    readDirectory: (path, options) => guard("readDirectory", path, real.readDirectory(path, options)),
    readFile: (path) => guard("readFile", path, real.readFile(path)),
    open: (path, options) =>
      guard(
        "open",
        path,
        Effect.gen(function* () {
          const flag = options?.flag ?? "r"
          const file = yield* real.open(path, options)
          if (flag.startsWith("w")) faults.durableSize.set(path, 0)
          else if (flag !== "r" && !faults.durableSize.has(path)) faults.durableSize.set(path, Number((yield* file.stat).size))
          return wrap(path, file)
        })
      ),
    rename: (from, to) =>
      guard(
        "rename",
        from,
        Effect.suspend(() => {
          if (faults.crashOnRename) {
            faults.crashed = true
            return Effect.fail(failure("rename", from, "the system crashed before the rename"))
          }
          return Effect.tap(real.rename(from, to), () => {
            faults.durableSize.set(to, faults.durableSize.get(from) ?? 0)
            faults.durableSize.delete(from)
          })
        })
      ),
    remove: (path, options) => guard("remove", path, Effect.tap(real.remove(path, options), () => faults.durableSize.delete(path))),
    truncate: (path, length) =>
      guard("truncate", path, Effect.tap(real.truncate(path, length), () => faults.lowerDurable(path, Number(length ?? 0))))
  }
}

/** Wraps the FileSystem below it; tests build it over NodeFileSystem.layer. */
export const FaultFileSystem = (faults: DiskFaults): Layer.Layer<FileSystem.FileSystem, never, FileSystem.FileSystem> =>
  Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (real) => withFaults(real, faults))
  )
