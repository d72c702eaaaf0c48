import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { Either } from "effect"
import { parseNemesisArgs, usage } from "./nemesisArgs.ts"
import { passed, runNemesis } from "../../nemesis/nemesisRun.ts"

const parsed = parseNemesisArgs(process.argv.slice(2), Math.floor(Math.random() * 2 ** 31))
if (Either.isLeft(parsed)) {
  process.stderr.write(`nemesis: ${parsed.left}\n${usage}\n`)
  process.exit(2)
}
const args = parsed.right
const say = (line: string) => process.stderr.write(`nemesis: ${line}\n`)
const directory = mkdtempSync(path.join(tmpdir(), "nemesis-"))
say(`seed ${args.seed}, ${args.clients} clients, ${args.minutes} min, cluster in ${directory}`)

const report = await runNemesis({
  durationMs: args.minutes * 60_000,
  clients: args.clients,
  seed: args.seed,
  kvnode: fileURLToPath(new URL("kvnode.mjs", import.meta.url)),
  directory,
  log: (line) => say(`${(performance.now() / 1000).toFixed(1)}s ${line}`)
})
const verdict = report.verdict
process.stdout.write(
  [
    `operations:              ${report.operations} (${report.unknownOperations} with unknown outcome)`,
    `acknowledged puts:       ${report.acknowledgedPuts}`,
    `lost acknowledged writes: ${report.lost.length}${report.lost.map((l) => `\n  ${l.key}: expected ${l.expected}, found "${l.found}"`).join("")}`,
    `linearizability:         ${verdict._tag === "Linearizable" ? "linearizable" : verdict._tag === "Violation" ? `VIOLATION\n${verdict.explanation}` : `inconclusive: ${verdict.reason}`}`,
    `faults:                  ${report.faults.kills} kills, ${report.faults.pauses} pauses, ${report.faults.cuts} cuts`,
    ""
  ].join("\n")
)
if (passed(report)) rmSync(directory, { recursive: true, force: true })
else say(`failed; node logs kept in ${directory}`)
process.exit(passed(report) ? 0 : 1)
