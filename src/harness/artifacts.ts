import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { Operation } from "../domain/history/operation.ts"
import { reportPage } from "../domain/harness/page/page.ts"
import { summaryOf } from "../domain/harness/report.ts"
import type { RunResult } from "../domain/harness/result.ts"
import type { Trace } from "../domain/harness/trace.ts"

/**
 * Bumped whenever a field of an artifact changes meaning or goes away
 * (docs/artifacts.md lists the fields), so a script reading old runs can tell.
 */
export const ARTIFACTS_SCHEMA_VERSION = 1

/** Where one run's artifacts go: `<out>/<config>-<seed>/`, so the runs of a suite never collide. */
export const runDirectory = (out: string, name: string, seed: number): string => path.join(out, `${name}-${seed}`)

const operationLine = (op: Operation): string =>
  JSON.stringify({
    id: op.id,
    client: op.client,
    kind: op.kind,
    key: op.key,
    written: op.value ?? null,
    invokedAtMs: op.invokedAt,
    outcome: op.outcome._tag === "Ok" ? "ok" : "unknown",
    respondedAtMs: op.outcome._tag === "Ok" ? op.outcome.respondedAt : null,
    read: op.outcome._tag === "Ok" && op.kind === "get" ? (op.outcome.value ?? null) : null
  })

const lines = (records: ReadonlyArray<unknown>): string => records.map((record) => `${JSON.stringify(record)}\n`).join("")

/** Writes one run's artifacts (docs/artifacts.md); the replicas' logs are written by the run itself. */
export const writeArtifacts = (dir: string, result: RunResult, trace: Trace): void => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, "result.json"),
    `${JSON.stringify({ schemaVersion: ARTIFACTS_SCHEMA_VERSION, ...summaryOf(result) }, null, 2)}\n`
  )
  writeFileSync(path.join(dir, "history.jsonl"), result.history.map((op) => `${operationLine(op)}\n`).join(""))
  writeFileSync(path.join(dir, "messages.jsonl"), lines(trace.messages))
  writeFileSync(path.join(dir, "events.jsonl"), lines(trace.events))
  writeFileSync(path.join(dir, "report.html"), reportPage(result, trace))
}
