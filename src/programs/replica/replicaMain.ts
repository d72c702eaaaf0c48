import { NodeRuntime } from "@effect/platform-node"
import { Effect, Either, Layer } from "effect"
import { defaultTiming } from "../../domain/raft/timing.ts"
import { NodeAlarm } from "../../services/Alarm.ts"
import { preciseClock } from "../../services/PreciseClock.ts"
import { rateLimitedLog } from "../../services/ReplicaLog.ts"
import { stderrLogger } from "../../services/stderrLogger.ts"
import { UdpTransport } from "../../services/UdpTransport.ts"
import { parseArgs, usage } from "./replicaArgs.ts"
import { runReplica } from "../../shell/replicaShell.ts"

const LOG_INTERVAL_MS = 5_000

const parsed = parseArgs(process.argv.slice(2), process.env)
if (Either.isLeft(parsed)) {
  process.stderr.write(`3700kvstore: ${parsed.left}\n${usage}\n`)
  process.exit(2)
}
const args = parsed.right

runReplica({ self: args.self, peers: args.peers, timing: defaultTiming }).pipe(
  Effect.provide(
    Layer.mergeAll(UdpTransport(args.port), NodeAlarm).pipe(
      Layer.provideMerge(rateLimitedLog(LOG_INTERVAL_MS)),
      Layer.provide(stderrLogger(args.logLevel))
    )
  ),
  Effect.withClock(preciseClock),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
