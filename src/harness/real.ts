import type { ChildProcess } from "node:child_process"
import { createSocket, type RemoteInfo, type Socket } from "node:dgram"
import { constants, mkdirSync } from "node:fs"
import { access } from "node:fs/promises"
import path from "node:path"
import { Data, Deferred, Effect, Exit } from "effect"
import type { Config } from "../domain/harness/config.ts"
import type { HarnessCommand } from "../domain/harness/commands.ts"
import { Harness, type Progress } from "../domain/harness/harness.ts"
import type { ReplicaCpu, RunResult } from "../domain/harness/result.ts"
import type { Trace } from "../domain/harness/trace.ts"
import { type NodeId, replicaId } from "../domain/ids.ts"
import { RECEIVE_BUFFER_BYTES } from "../services/UdpTransport.ts"
import { processCpuMillis } from "./processCpu.ts"
import { hasExited, signalGroup, spawnReplica, stderrTailOf, stopReplicas } from "./replicaProcess.ts"

/** The replica program could not be started at all (as opposed to dying during the run). */
export class ReplicaStartError extends Data.TaggedError("ReplicaStartError")<{ readonly reason: string }> {}

export interface RunProgress extends Progress {
  readonly elapsedMs: number
  readonly totalMs: number
}

export interface RealOptions {
  readonly seed: number
  readonly name: string
  /** The replica executable; it is started with its own directory as working directory. */
  readonly replicaPath: string
  /** Where each replica's stdout and stderr go (`<name>-<id>.log`); discarded when absent. */
  readonly logDir?: string
  readonly onProgress?: (progress: RunProgress) => void
  /** Where the harness records every datagram and event (kvsim --out). */
  readonly trace?: Trace
}

const PROGRESS_INTERVAL_MS = 1_000
/** Node's timers take at most 2³¹−1 ms and fire after 1 ms when asked for more. */
const MAX_TIMER_MS = 2 ** 31 - 1

const bindSocket = Effect.acquireRelease(
  Effect.async<Socket>((resume) => {
    const socket = createSocket({ type: "udp4", recvBufferSize: RECEIVE_BUFFER_BYTES })
    // Send errors on localhost UDP (a replica that already exited) must not crash the harness:
    // the datagram is simply lost, as the protocol allows.
    socket.on("error", () => {})
    socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
  }),
  (socket) => Effect.sync(() => socket.close())
)

const checkExecutable = (file: string) =>
  Effect.tryPromise({
    try: () => access(file, constants.X_OK),
    catch: (error) =>
      new ReplicaStartError({
        reason: `cannot run replica ${file}: ${error instanceof Error ? error.message : String(error)}`
      })
  })

/**
 * One run against real replica processes over UDP on localhost, in real time. Every datagram
 * is handled synchronously in its socket's callback (core in, sends out), so the harness adds
 * no queueing to the latency it measures; the core's idle wake-up follows its nextTimerAt.
 *
 * The run is judged only once every replica has been stopped: the linearizability check can
 * take a while on a long history, and replicas must not outlive the run meanwhile.
 */
export const runReal = (config: Config, options: RealOptions): Effect.Effect<RunResult, ReplicaStartError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const command = path.resolve(options.replicaPath)
      yield* checkExecutable(command)
      if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true })
      const ids: ReadonlyArray<NodeId> = Array.from({ length: config.replicas }, (_, i) => replicaId(i))
      const harness = new Harness(config, {
        seed: options.seed,
        name: options.name,
        replicas: ids,
        ...(options.trace === undefined ? {} : { trace: options.trace })
      })
      const totalMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
      const sockets = yield* Effect.forEach(ids, () => bindSocket)
      const addresses: Array<{ readonly port: number; readonly address: string } | undefined> = ids.map(() => undefined)
      const index = new Map<NodeId, number>(ids.map((id, i) => [id, i]))
      const done = yield* Deferred.make<number>()
      const start = performance.now()
      const now = () => performance.now() - start
      const children: Array<ChildProcess> = []
      const cpu = replicaCpuMeter(children)
      // Registered before the first spawn, so however the run ends, every replica started is stopped.
      yield* Effect.addFinalizer(() => stopReplicas(children))

      // A bug in the core must end the run (and so stop the detached replicas), not the process.
      const guarded = <A extends ReadonlyArray<unknown>>(work: (...args: A) => void) => (...args: A): void => {
        try {
          work(...args)
        } catch (error) {
          Deferred.unsafeDone(done, Exit.die(error))
        }
      }

      let timer: ReturnType<typeof setTimeout> | undefined
      let timerAt: number | undefined
      // The core's idle wake-up moves with every datagram; a timer armed for an earlier moment is
      // left to fire (the core ignores it if early) rather than re-armed per datagram.
      const schedule = () => {
        const at = harness.nextTimerAt()
        if (at === timerAt || (timer !== undefined && timerAt !== undefined && at !== undefined && timerAt <= at)) return
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        timerAt = at
        if (at !== undefined) timer = setTimeout(onTimer, Math.min(MAX_TIMER_MS, Math.max(0, at - now())))
      }
      const perform = (commands: ReadonlyArray<HarnessCommand>) => {
        for (const command of commands) {
          if (command._tag === "Deliver") {
            const i = index.get(command.to) as number
            const address = addresses[i]
            if (address !== undefined) sockets[i]?.send(command.datagram, address.port, address.address)
          } else if (command._tag === "Kill") {
            const child = children[index.get(command.replica) as number]
            cpu.sample()
            if (child !== undefined) signalGroup(child, "SIGTERM")
          } else {
            cpu.sample()
            Deferred.unsafeDone(done, Exit.succeed(now()))
          }
        }
        schedule()
      }
      const onTimer = guarded(() => {
        timer = undefined
        timerAt = undefined
        perform(harness.onTimer(now()))
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => timer !== undefined && clearTimeout(timer)))

      sockets.forEach((socket, i) => {
        const id = ids[i] as NodeId
        socket.on(
          "message",
          guarded((data: Buffer, remote: RemoteInfo) => {
            const commands = harness.onReplicaDatagram(now(), id, data.toString("utf8"))
            // The core registers a replica on its hello; that datagram's source is its address.
            if (addresses[i] === undefined && harness.hasSaidHello(id)) {
              addresses[i] = { port: remote.port, address: remote.address }
            }
            perform(commands)
          })
        )
      })

      for (const [i, id] of ids.entries()) {
        const port = (sockets[i] as Socket).address().port
        const others = ids.filter((other) => other !== id)
        const logFile = options.logDir === undefined ? undefined : path.join(options.logDir, `${options.name}-${id}.log`)
        const child = spawnReplica(command, [String(port), id, ...others], logFile)
        child.once(
          "exit",
          guarded((code: number | null, signal: NodeJS.Signals | null) =>
            perform(harness.onReplicaExit(id, now(), signal !== null ? signal : `code ${code}`))
          )
        )
        // `error` covers a spawn that failed outright, which emits no `exit`.
        child.once("error", guarded((error: Error) => perform(harness.onReplicaExit(id, now(), `failed to start: ${error.message}`))))
        children.push(child)
      }

      if (options.onProgress !== undefined) {
        const report = options.onProgress
        const interval = setInterval(
          guarded(() => report({ ...harness.progress(), elapsedMs: now(), totalMs })),
          PROGRESS_INTERVAL_MS
        )
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(interval)))
      }

      const requestsStart = setTimeout(cpu.start, config.start_wait * 1000)
      const sampling = setInterval(cpu.sample, CPU_SAMPLE_INTERVAL_MS)
      yield* Effect.addFinalizer(() => Effect.sync(() => (clearTimeout(requestsStart), clearInterval(sampling))))

      schedule()
      return { harness, cpu, children, ids, finishedAt: yield* Deferred.await(done) }
    })
  ).pipe(
    Effect.map(({ children, cpu, finishedAt, harness, ids }) => {
      const measured = harness.result(finishedAt)
      // Why a replica died is usually the last thing it wrote; its pipe is drained by now.
      const exits = measured.stats.exits.map((exit) => {
        const child = children[ids.indexOf(exit.replica)]
        return child === undefined ? exit : { ...exit, stderrTail: stderrTailOf(child) }
      })
      const result = { ...measured, stats: { ...measured.stats, exits } }
      const replicaCpu = cpu.measured(result.stats.requestsSent)
      return replicaCpu === undefined ? result : { ...result, replicaCpu }
    })
  )

/** How often replicas' CPU times are read, so one that dies unannounced loses at most this much. */
const CPU_SAMPLE_INTERVAL_MS = 1_000

/**
 * The replicas' CPU time over the request phase: read from /proc when requests start, then
 * again every second, before each kill and at the end; a replica counts up to its last reading.
 */
const replicaCpuMeter = (children: ReadonlyArray<ChildProcess>) => {
  const first: Array<number | undefined> = []
  const last: Array<number | undefined> = []
  // An exited replica's pid may already belong to another process.
  const read = (child: ChildProcess) => (child.pid === undefined || hasExited(child) ? undefined : processCpuMillis(child.pid))
  return {
    start: (): void => children.forEach((child, i) => (first[i] = read(child))),
    sample: (): void =>
      children.forEach((child, i) => {
        const now = first[i] === undefined ? undefined : read(child)
        if (now !== undefined) last[i] = now
      }),
    measured: (requests: number): ReplicaCpu | undefined => {
      let totalMs = 0
      let measured = 0
      children.forEach((_, i) => {
        const [from, to] = [first[i], last[i]]
        if (from === undefined || to === undefined) return
        totalMs += to - from
        measured++
      })
      if (measured === 0) return undefined
      return { totalMs, perRequestUs: requests === 0 ? undefined : (totalMs * 1000) / requests }
    }
  }
}
