import { Effect } from "effect"
import type { Config } from "../../domain/harness/config.ts"
import type { RunResult } from "../../domain/harness/result.ts"
import type { Trace } from "../../domain/harness/trace.ts"
import { simulate } from "../sim/simulation.ts"

/** kvsim --virtual: the whole run on simulated time, in this process. */
export const runVirtual = (
  config: Config,
  options: { readonly seed: number; readonly name: string; readonly trace?: Trace }
): Effect.Effect<RunResult> =>
  Effect.sync(() => simulate(config, options))
