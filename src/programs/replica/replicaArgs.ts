import { Either, LogLevel } from "effect"
import { isNodeId, type NodeId } from "../../domain/ids.ts"

export interface ReplicaArgs {
  readonly port: number
  readonly self: NodeId
  readonly peers: ReadonlyArray<NodeId>
  readonly logLevel: LogLevel.LogLevel
}

export const usage = "usage: 3700kvstore <harness-port> <id> [<peer id> ...] [--log-level debug|info|warning|none]\n" +
  "  ids are 4 uppercase hex digits (0000, 0001, ...); the log level may also come from KV_LOG_LEVEL"

const levels: Record<string, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  none: LogLevel.None
}

/** Parses the harness's argv (plus our optional log level); every failure says what was wrong. */
export const parseArgs = (argv: ReadonlyArray<string>, env: Record<string, string | undefined>): Either.Either<ReplicaArgs, string> => {
  const positional: Array<string> = []
  let levelName = env["KV_LOG_LEVEL"] ?? "warning"
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (arg === "--log-level") {
      levelName = argv[++i] ?? ""
    } else if (arg.startsWith("--log-level=")) {
      levelName = arg.slice("--log-level=".length)
    } else {
      positional.push(arg)
    }
  }
  const logLevel = levels[levelName]
  if (logLevel === undefined) return Either.left(`unknown log level "${levelName}"`)
  const [portText, selfText, ...peerTexts] = positional
  if (portText === undefined || selfText === undefined) return Either.left("expected a port and an id")
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return Either.left(`"${portText}" is not a UDP port`)
  const ids = [selfText, ...peerTexts]
  const bad = ids.find((id) => !isNodeId(id))
  if (bad !== undefined) return Either.left(`"${bad}" is not a replica id`)
  const [self, ...peers] = ids.filter(isNodeId)
  if (self === undefined || new Set(ids).size !== ids.length) return Either.left("replica ids must be distinct")
  return Either.right({ port, self, peers, logLevel })
}
