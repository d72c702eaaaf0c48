import { Either, LogLevel } from "effect"
import { BROADCAST, isNodeId, type NodeId } from "../../domain/ids.ts"

export interface KvnodeArgs {
  readonly id: NodeId
  readonly clusterFile: string
  readonly dataDirectory: string
  readonly logLevel: LogLevel.LogLevel
  /** A file of link cuts to obey (faultControlFile.ts): for a nemesis only, off unless given. */
  readonly faultControl?: string
}

export const usage =
  "usage: kvnode --id <id> --cluster <cluster.json> --data <directory> [--log-level debug|info|warning|none] [--fault-control <file>]\n" +
  "  the id is this node's entry in the cluster file (4 uppercase hex digits); the log level may also come from KV_LOG_LEVEL"

const levels: Record<string, LogLevel.LogLevel> = {
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  none: LogLevel.None
}

const FLAGS = ["--id", "--cluster", "--data", "--log-level", "--fault-control"] as const

/** Parses `--flag value` and `--flag=value`; every failure says what was wrong. */
export const parseKvnodeArgs = (argv: ReadonlyArray<string>, env: Record<string, string | undefined>): Either.Either<KvnodeArgs, string> => {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined]
    if (!(FLAGS as ReadonlyArray<string>).includes(flag)) return Either.left(`unknown argument "${arg}"`)
    const value = inline ?? argv[++i]
    if (value === undefined || value === "") return Either.left(`${flag} needs a value`)
    values.set(flag, value)
  }
  const id = values.get("--id")
  const clusterFile = values.get("--cluster")
  const dataDirectory = values.get("--data")
  if (id === undefined || clusterFile === undefined || dataDirectory === undefined) return Either.left("expected --id, --cluster and --data")
  if (!isNodeId(id) || id === BROADCAST) return Either.left(`"${id}" is not a node id`)
  const levelName = values.get("--log-level") ?? env["KV_LOG_LEVEL"] ?? "info"
  const logLevel = levels[levelName]
  if (logLevel === undefined) return Either.left(`unknown log level "${levelName}"`)
  const faultControl = values.get("--fault-control")
  return Either.right({ id, clusterFile, dataDirectory, logLevel, ...(faultControl === undefined ? {} : { faultControl }) })
}
