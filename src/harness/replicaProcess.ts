import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync, writeSync } from "node:fs"
import path from "node:path"
import { Effect } from "effect"

/** How long a replica gets to exit after SIGTERM before its group is SIGKILLed. */
export const STOP_GRACE_MS = 2_000
/**
 * How long to wait for the exit after SIGKILL. SIGKILL cannot be refused, so this only runs out
 * when no `exit` event will ever come (a spawn that failed has no process to exit).
 */
const KILL_WAIT_MS = 500

/** A signal to the replica's whole process group; gone already is fine. */
export const signalGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // ESRCH: the group has already exited.
  }
}

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/**
 * Every replica started and not yet exited. Each runs in a group of its own, so nothing the OS
 * does to kvsim reaches it: when kvsim dies in a way its cleanup cannot run, the last thing it
 * does is kill these (main.ts's `killStrays`).
 */
const running = new Set<ChildProcess>()

/** SIGKILLs every replica still running, at once and synchronously: the way out when kvsim cannot stop them properly. */
export const killRunningReplicas = (): void => {
  for (const child of running) signalGroup(child, "SIGKILL")
  running.clear()
}

/** How much of a replica's stderr is kept, to show why it died. */
const TAIL_LINES = 10
const TAIL_LINE_CHARS = 300

/** The last lines a stream wrote, each cut to a readable length. */
class Tail {
  private lines: Array<string> = []
  private partial = ""

  add(chunk: string): void {
    const parts = (this.partial + chunk).split("\n")
    this.partial = (parts.pop() ?? "").slice(-TAIL_LINE_CHARS)
    this.lines = [...this.lines, ...parts.map((line) => line.slice(0, TAIL_LINE_CHARS))].slice(-TAIL_LINES)
  }

  get(): ReadonlyArray<string> {
    return (this.partial === "" ? this.lines : [...this.lines, this.partial]).slice(-TAIL_LINES)
  }
}

const tails = new WeakMap<ChildProcess, Tail>()

/** The last lines the replica wrote to stderr so far (all of it, once it has exited and its pipe is drained). */
export const stderrTailOf = (child: ChildProcess): ReadonlyArray<string> => tails.get(child)?.get() ?? []

/**
 * Starts a replica in its own process group (as SIMULATOR.md requires), with its own directory
 * as working directory. Its stdout goes to `logFile`, or nowhere; its stderr comes through
 * kvsim, which keeps the last lines (`stderrTailOf`) and copies it to `logFile` too.
 */
export const spawnReplica = (command: string, args: ReadonlyArray<string>, logFile: string | undefined): ChildProcess => {
  const fd = logFile === undefined ? undefined : openSync(logFile, "w")
  let child: ChildProcess
  try {
    child = spawn(command, args, { cwd: path.dirname(command), detached: true, stdio: ["ignore", fd ?? "ignore", "pipe"] })
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    throw error
  }
  const tail = new Tail()
  tails.set(child, tail)
  child.stderr?.setEncoding("utf8")
  child.stderr?.on("data", (chunk: string) => {
    tail.add(chunk)
    if (fd !== undefined) writeSync(fd, chunk)
  })
  // The descriptor stays open for stderr's copies until the pipe closes; the child holds its own for stdout.
  const closeLog = (): void => {
    if (fd !== undefined) closeSync(fd)
  }
  if (child.stderr === null) closeLog()
  else child.stderr.once("close", closeLog)
  running.add(child)
  child.once("exit", () => running.delete(child))
  child.once("error", () => running.delete(child))
  return child
}

/**
 * SIGTERM to the replica's group, SIGKILL after the grace period, done once it has exited.
 * The deadlines are plain timers, not `Effect.timeout`: this runs in a finalizer, where
 * nothing is interruptible, so a timeout there would wait for the very exit it was meant to
 * stop waiting for — and a replica that ignores SIGTERM would keep kvsim alive forever, deaf
 * to its own SIGTERM.
 */
export const stopReplica = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.pid === undefined || hasExited(child)) return resume(Effect.void)
    let kill: ReturnType<typeof setTimeout> | undefined
    let giveUp: ReturnType<typeof setTimeout> | undefined
    const done = (): void => {
      clearTimeout(kill)
      clearTimeout(giveUp)
      child.off("exit", done)
      resume(Effect.void)
    }
    child.on("exit", done)
    signalGroup(child, "SIGTERM")
    kill = setTimeout(() => {
      signalGroup(child, "SIGKILL")
      giveUp = setTimeout(done, KILL_WAIT_MS)
    }, STOP_GRACE_MS)
  })

/** Stops every replica at once, so the whole cleanup takes one grace period at most. */
export const stopReplicas = (children: ReadonlyArray<ChildProcess>): Effect.Effect<void> =>
  Effect.forEach(children, stopReplica, { concurrency: "unbounded", discard: true })
