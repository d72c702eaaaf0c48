import { Layer, Logger, type LogLevel } from "effect"

const logger = Logger.make(({ logLevel, message, date }) => {
  const text = Array.isArray(message) ? message.join(" ") : String(message)
  process.stderr.write(`${date.toISOString()} ${logLevel.label} ${text}\n`)
})

/** Replica logs go to stderr, leaving stdout alone; lines below `minimum` are never formatted. */
export const stderrLogger = (minimum: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(minimum))
