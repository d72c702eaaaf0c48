import type { Config, FractionLimits } from "./config.ts"
import type { Check, RunStats, Verdict } from "./result.ts"

const percent = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`

/** The reference's six correctness checks, then the linearizability verdict (kvsim's own). */
export const correctnessChecks = (
  config: Config,
  limits: FractionLimits,
  stats: RunStats,
  verdict: Verdict
): ReadonlyArray<Check> => {
  const unansweredGetLimit = stats.gets.generated * limits.unansweredGets
  const unansweredPutLimit = stats.puts.generated * limits.unansweredPuts
  const generationLimit = stats.gets.generated * limits.failedGetGenerations
  const minimumMsgs = config.requests * config.replicas * (1 - config.mix) * (1 - limits.appendsBatched)
  return [
    {
      id: "incorrect",
      description: "no incorrect datagrams or responses",
      passed: stats.incorrect === 0,
      detail: `${stats.incorrect} incorrect`
    },
    {
      id: "crashes",
      description: "no replica was taken for dead (sent a datagram before its hello)",
      passed: stats.died.length === 0,
      detail: stats.died.length === 0 ? "none died" : `died: ${stats.died.join(", ")}`
    },
    {
      id: "stored",
      description: "at least one key stored",
      passed: stats.keysStored > 0,
      detail: `${stats.keysStored} keys stored`
    },
    {
      id: "unanswered",
      description: "unanswered gets and puts within their limits",
      passed: stats.gets.unanswered <= unansweredGetLimit && stats.puts.unanswered <= unansweredPutLimit,
      detail: `gets ${stats.gets.unanswered}/${stats.gets.generated} (limit ${percent(limits.unansweredGets)}), ` +
        `puts ${stats.puts.unanswered}/${stats.puts.generated} (limit ${percent(limits.unansweredPuts)})`
    },
    {
      id: "generation",
      description: "failed get generations within their limit",
      passed: stats.gets.failedToGenerate <= generationLimit,
      detail: `${stats.gets.failedToGenerate} failed of ${stats.gets.generated} gets ` +
        `(limit ${percent(limits.failedGetGenerations)})`
    },
    {
      id: "replication",
      description: "replicas exchanged enough messages to be replicating",
      passed: stats.totalMsgs >= minimumMsgs,
      detail: `${stats.totalMsgs} messages, at least ${Math.ceil(minimumMsgs)} required`
    },
    {
      id: "linearizability",
      description: "the client history is linearizable",
      passed: verdict._tag !== "Violation",
      detail: verdict._tag === "Linearizable"
        ? "linearizable"
        : verdict._tag === "Violation"
        ? `violation on key ${verdict.key}: ${verdict.explanation}`
        : `inconclusive: ${verdict.reason}`
    }
  ]
}
