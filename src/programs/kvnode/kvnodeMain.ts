import { NodeRuntime } from "@effect/platform-node"
import { Effect, Either } from "effect"
import type { ClusterNode } from "../../domain/cluster/clusterFile.ts"
import { preciseClock } from "../../services/PreciseClock.ts"
import { rateLimitedLog } from "../../services/ReplicaLog.ts"
import { stderrLogger } from "../../services/stderrLogger.ts"
import { parseKvnodeArgs, usage } from "./kvnodeArgs.ts"
import { serveNode, type NodeApi } from "./serveNode.ts"

const LOG_INTERVAL_MS = 5_000

/**
 * What the node serves its clients with, given its cluster file entry, run beside it with
 * KvNode provided: the HTTP API goes here.
 */
const apisFor = (_node: ClusterNode): ReadonlyArray<NodeApi<never, never>> => []

const parsed = parseKvnodeArgs(process.argv.slice(2), process.env)
if (Either.isLeft(parsed)) {
  process.stderr.write(`kvnode: ${parsed.left}\n${usage}\n`)
  process.exit(2)
}
const args = parsed.right

// SIGINT and SIGTERM interrupt the node (runMain): sockets and files close in their scopes.
serveNode({ id: args.id, clusterFile: args.clusterFile, dataDirectory: args.dataDirectory }, apisFor).pipe(
  Effect.tapErrorCause((cause) => Effect.logError(cause)),
  Effect.provide(rateLimitedLog(LOG_INTERVAL_MS)),
  Effect.provide(stderrLogger(args.logLevel)),
  Effect.withClock(preciseClock),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
