import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"
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
 * Starts a replica in its own process group (as SIMULATOR.md requires), with its own directory
 * as working directory; its stdout and stderr go to `logFile`, or nowhere.
 */
export const spawnReplica = (command: string, args: ReadonlyArray<string>, logFile: string | undefined): ChildProcess => {
  const fd = logFile === undefined ? undefined : openSync(logFile, "w")
  try {
    return spawn(command, args, {
      cwd: path.dirname(command),
      detached: true,
      stdio: fd === undefined ? "ignore" : ["ignore", fd, fd]
    })
  } finally {
    // The child holds its own copy of the descriptor.
    if (fd !== undefined) closeSync(fd)
  }
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
