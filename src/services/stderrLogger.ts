import { Cause, Layer, Logger, type LogLevel } from "effect"

/**
 * What a failure says: each expected error's own message (the store's errors name the file and
 * what to do), or the whole cause, traces included, for a defect, an interruption or an error
 * with no message of its own.
 */
const describe = (cause: Cause.Cause<unknown>): string => {
  const messages = [...Cause.failures(cause)].map((error) => (error instanceof Error ? error.message : ""))
  return messages.length === 0 || messages.includes("") || Cause.isDie(cause) ? Cause.pretty(cause) : messages.join("; ")
}

const logger = Logger.make(({ logLevel, message, cause, date }) => {
  const parts = Array.isArray(message) ? message.map(String) : [String(message)]
  if (!Cause.isEmpty(cause)) parts.push(describe(cause))
  process.stderr.write(`${date.toISOString()} ${logLevel.label} ${parts.join(" ")}\n`)
})

/** Replica logs go to stderr, leaving stdout alone; lines below `minimum` are never formatted. */
export const stderrLogger = (minimum: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(minimum))
