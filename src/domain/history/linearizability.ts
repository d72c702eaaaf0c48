// TEMPORARY STUB by the kvsim harness engineer (KVSIM-STUB-MARKER): replace freely with the real checker.
import type { History, Operation } from "./operation.ts"

export type Verdict =
  | { readonly _tag: "Linearizable" }
  | { readonly _tag: "Violation"; readonly key: string; readonly operations: ReadonlyArray<Operation>; readonly explanation: string }
  | { readonly _tag: "Inconclusive"; readonly reason: string }

export const checkHistory = (history: History): Verdict =>
  history.length >= 0 ? { _tag: "Inconclusive", reason: "checker stub" } : { _tag: "Linearizable" }
