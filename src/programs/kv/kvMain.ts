import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { runKv } from "./kvCommand.ts"

runKv(process.argv).pipe(
  Effect.provide(NodeHttpClient.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : 1)
  })
)
