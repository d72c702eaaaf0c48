/**
 * `npm run fuzz [-- --count N] [--seed S]`: a million hostile datagrams (by default) against two
 * live five-replica clusters (src/fuzz/fuzzRun.ts), one table of what became of them; exits 1 on
 * any crash or broken expectation. The same seed and count replay the same run.
 */
import { runCampaign } from "../../fuzz/fuzzRun.ts"
import { fuzzProgress, fuzzReport } from "../../fuzz/fuzzReport.ts"

const DEFAULT_COUNT = 1_000_000
const DEFAULT_SEED = 1

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} needs a whole number, not "${process.argv[at + 1]}"`)
  return value
}

const seed = option("--seed", DEFAULT_SEED)
const total = option("--count", DEFAULT_COUNT)
const started = performance.now()
const result = runCampaign({ seed, count: total, onProgress: (sent) => process.stderr.write(fuzzProgress(sent, total)) })
process.stdout.write(fuzzReport(result, (performance.now() - started) / 1000))
process.exitCode = result.crashes + result.violations > 0 ? 1 : 0
