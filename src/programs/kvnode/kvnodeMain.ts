import { NodeRuntime } from "@effect/platform-node"
import { Effect, Either, Layer } from "effect"
import type { ClusterFile } from "../../domain/cluster/clusterFile.ts"
import type { NodeId } from "../../domain/ids.ts"
import { clusterHttpApi } from "../../services/http/HttpApi.ts"
import { preciseClock } from "../../services/PreciseClock.ts"
import { rateLimitedLog } from "../../services/ReplicaLog.ts"
import { stderrLogger } from "../../services/stderrLogger.ts"
import { parseKvnodeArgs, usage } from "./kvnodeArgs.ts"
import { serveNode } from "./serveNode.ts"

const LOG_INTERVAL_MS = 5_000

/** What the node serves its clients with, run beside it with KvNode provided: the HTTP API. */
const apisFor = (cluster: ClusterFile, self: NodeId) => [Layer.launch(clusterHttpApi(cluster, self))]

const parsed = parseKvnodeArgs(process.argv.slice(2), process.env)
if (Either.isLeft(parsed)) {
  process.stderr.write(`kvnode: ${parsed.left}\n${usage}\n`)
  process.exit(2)
}
const args = parsed.right

// SIGINT and SIGTERM interrupt the node (runMain): sockets and files close in their scopes.
// A failure to start or to go on is logged once, by runMain, through the stderr logger.
serveNode(args, apisFor).pipe(
  Effect.provide(rateLimitedLog(LOG_INTERVAL_MS)),
  Effect.provide(stderrLogger(args.logLevel)),
  Effect.withClock(preciseClock),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
