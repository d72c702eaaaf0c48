import type { FileSystem } from "@effect/platform"
import { join } from "node:path"
import { Data, Effect, type Scope } from "effect"
import type { StorageIoError } from "./errors.ts"
import { type Directory, io } from "./io.ts"

export const LOCK_FILE = "LOCK"

/** Another process that is still running holds the directory. */
export class DirectoryLocked extends Data.TaggedError("DirectoryLocked")<{
  readonly path: string
  readonly pid: number
}> {
  override get message(): string {
    return (
      `${this.path} is in use by process ${this.pid} (its ${LOCK_FILE} file says so): two nodes on one ` +
      `directory would corrupt its log. If no node runs there, remove ${join(this.path, LOCK_FILE)}.`
    )
  }
}

/** Whether a process with this id exists; one of another user's exists too (EPERM). */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const failedWith =
  (reason: string) =>
  (error: { readonly _tag: string; readonly reason?: string }): boolean =>
    error._tag === "SystemError" && error.reason === reason

/**
 * Holds `directory` for this process until the scope closes: a `LOCK` file naming our process
 * id, made whole under a private name and hard-linked into place, so that no reader ever sees
 * it half written and two processes cannot both create it. A lock left by a process that no
 * longer runs (a node killed with SIGKILL) is taken over, and so is one naming this very
 * process (a store reopened in the same process, as the tests do after a simulated crash).
 *
 * Node has no flock, so a process id is what tells a live holder from a dead one: a recycled
 * id makes the lock look held, and the node refuses to start, which is the safe side. Two
 * processes taking over one stale lock at the same instant can both succeed; the lock guards
 * against starting a second node on a running node's directory, not against that race. The
 * file needs no fsync: after a machine crash every holder is gone, and a lost or stale lock
 * is the same to the next start.
 */
export const lockDirectory = (
  fs: FileSystem.FileSystem,
  directory: Directory,
  isRunning: (pid: number) => boolean = processExists
): Effect.Effect<void, StorageIoError | DirectoryLocked, Scope.Scope> => {
  const lock = join(directory.path, LOCK_FILE)
  const mine = join(directory.path, `${LOCK_FILE}.${process.pid}`)
  // A lock removed between our failed link and this read names no one: the next link may take it.
  const holder = fs.readFileString(lock).pipe(
    Effect.map((text) => Number.parseInt(text, 10)),
    Effect.catchIf(failedWith("NotFound"), () => Effect.succeed(Number.NaN)),
    io("read", lock)
  )
  const link = Effect.either(fs.link(mine, lock))

  const acquire = Effect.gen(function* () {
    yield* io("write", mine)(fs.writeFileString(mine, `${process.pid}\n`))
    for (let attempt = 0; ; attempt++) {
      const linked = yield* link
      if (linked._tag === "Right") break
      if (!failedWith("AlreadyExists")(linked.left)) return yield* io("link", lock)(Effect.fail(linked.left))
      const pid = yield* holder
      const stale = !Number.isInteger(pid) || pid === process.pid || !isRunning(pid)
      if (!stale || attempt > 0) {
        yield* io("remove", mine)(fs.remove(mine, { force: true }))
        return yield* new DirectoryLocked({ path: directory.path, pid })
      }
      yield* io("remove", lock)(fs.remove(lock, { force: true }))
    }
    yield* io("remove", mine)(fs.remove(mine))
  })

  // Removed only while it still names us: a node that took a lock over from this process must keep it.
  const release = Effect.gen(function* () {
    if ((yield* holder) === process.pid) yield* io("remove", lock)(fs.remove(lock))
  }).pipe(Effect.ignore)

  return Effect.acquireRelease(acquire, () => release)
}
