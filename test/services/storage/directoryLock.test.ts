import { spawnSync } from "node:child_process"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { join } from "node:path"
import { Effect } from "effect"
import { DirectoryLocked, LOCK_FILE, processExists } from "../../../src/services/storage/directoryLock.ts"
import { Storage } from "../../../src/services/storage/Storage.ts"
import { onDisk, tempDirectory } from "./support.ts"

const real = <A, E>(use: (fs: FileSystem.FileSystem) => Effect.Effect<A, E>) =>
  Effect.flatMap(FileSystem.FileSystem, use).pipe(Effect.provide(NodeFileSystem.layer))

const writeLock = (directory: string, text: string) => real((fs) => fs.writeFileString(join(directory, LOCK_FILE), text))
const readLock = (directory: string) => real((fs) => fs.readFileString(join(directory, LOCK_FILE)))
const lockExists = (directory: string) => real((fs) => fs.exists(join(directory, LOCK_FILE)))
const namesIn = (directory: string) => real((fs) => fs.readDirectory(directory))

/** Opens the store in `directory` and, while it is open, runs `use`. */
const whileOpen = <A, E>(directory: string, use: Effect.Effect<A, E>) =>
  Effect.flatMap(Storage, () => use).pipe(Effect.provide(onDisk(directory)))

/** The id of a process that has exited. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
  const pid = Number(child.stdout)
  expect(processExists(pid)).toBe(false)
  return pid
}

describe("the data directory's lock", () => {
  it.scopedLive("names this process while the store is open, and is gone once it closes", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const held = yield* whileOpen(directory, readLock(directory))
      expect(held).toBe(`${process.pid}\n`)
      expect(yield* lockExists(directory)).toBe(false)
      expect(yield* namesIn(directory)).not.toContain(`${LOCK_FILE}.${process.pid}`)
    })
  )

  it.scopedLive("refuses a directory that a running process holds, naming the process and the file to remove", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const holder = process.ppid
      expect(processExists(holder)).toBe(true)
      yield* writeLock(directory, `${holder}\n`)
      const refused = yield* Effect.flip(whileOpen(directory, Effect.void))
      expect(refused).toBeInstanceOf(DirectoryLocked)
      expect(refused).toMatchObject({ path: directory, pid: holder })
      expect(refused.message).toContain(`in use by process ${holder}`)
      expect(refused.message).toContain(join(directory, LOCK_FILE))
      expect(yield* readLock(directory)).toBe(`${holder}\n`)
      expect(yield* namesIn(directory)).not.toContain(`${LOCK_FILE}.${process.pid}`)
    })
  )

  it.scopedLive("takes over a lock whose process is gone, as after SIGKILL, or that does not name a process", () =>
    Effect.gen(function* () {
      for (const left of [`${deadPid()}\n`, "", "not a pid"]) {
        const directory = yield* tempDirectory
        yield* writeLock(directory, left)
        expect(yield* whileOpen(directory, readLock(directory))).toBe(`${process.pid}\n`)
      }
    })
  )

  it.scopedLive("does not remove a lock another process took over from this one", () =>
    Effect.gen(function* () {
      const directory = yield* tempDirectory
      const other = process.ppid
      yield* whileOpen(directory, writeLock(directory, `${other}\n`))
      expect(yield* readLock(directory)).toBe(`${other}\n`)
    })
  )
})
