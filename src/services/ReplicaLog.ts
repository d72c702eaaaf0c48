import { Clock, Context, Effect, Layer, LogLevel, Runtime } from "effect"

export type Level = "debug" | "info" | "warning"

/**
 * Diagnostics with a rate limit: a cause (its key) is written at most once per interval,
 * with a count of what was suppressed, so a hostile sender cannot turn our log into a
 * second denial of service. Lines go through Effect's logger, filtered by the minimum level.
 */
export class ReplicaLog extends Context.Tag("ReplicaLog")<
  ReplicaLog,
  { readonly report: (level: Level, key: string, text: string) => Effect.Effect<void> }
>() {}

/**
 * `report` as a plain function that logs at once, for callbacks that run outside any fiber (a
 * socket's, a replica shell's): the log, and the runtime that runs it, are resolved here once.
 */
export const reportNow: Effect.Effect<(level: Level, key: string, text: string) => void, never, ReplicaLog> = Effect.gen(
  function* () {
    const diagnostics = yield* ReplicaLog
    const runSync = Runtime.runSync(yield* Effect.runtime<never>())
    return (level, key, text) => runSync(diagnostics.report(level, key, text))
  }
)

const toLogLevel: Record<Level, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning
}

export const rateLimitedLog = (intervalMs: number): Layer.Layer<ReplicaLog> =>
  Layer.sync(ReplicaLog, () => {
    const lastWritten = new Map<string, number>()
    const suppressed = new Map<string, number>()
    return {
      report: (level, key, text) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const last = lastWritten.get(key)
          if (last !== undefined && now - last < intervalMs) {
            suppressed.set(key, (suppressed.get(key) ?? 0) + 1)
            return Effect.void
          }
          const skipped = suppressed.get(key) ?? 0
          lastWritten.set(key, now)
          suppressed.delete(key)
          const line = skipped > 0 ? `${text} (${skipped} more like it suppressed)` : text
          return Effect.logWithLevel(toLogLevel[level], line)
        })
    }
  })

/** For the simulator and tests: diagnostics are dropped. */
export const silentReplicaLog = ReplicaLog.of({ report: () => Effect.void })
export const silentLog: Layer.Layer<ReplicaLog> = Layer.succeed(ReplicaLog, silentReplicaLog)
