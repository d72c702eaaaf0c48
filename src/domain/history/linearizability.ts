import { explainViolation } from "./explanation.ts"
import type { History, Operation } from "./operation.ts"
import { byInvocation } from "./realTime.ts"
import { searchRegister } from "./registerSearch.ts"
import { shrinkViolation } from "./shrink.ts"

/**
 * Linearizability of a key-value history (Herlihy & Wing), checked the way Porcupine does.
 * Keys are independent registers and linearizability is compositional (H&W §3.3), so the
 * history is split by key and each part searched on its own; see registerSearch.ts.
 *
 * A violation is shrunk to a small witness (shrink.ts) and explained. When several keys
 * violate, the first key in code-unit order is reported, and a violation anywhere outranks
 * a key whose search ran out of budget, so the verdict never depends on input order.
 */
export type Verdict =
  | { readonly _tag: "Linearizable"; readonly keys: number; readonly operations: number }
  | { readonly _tag: "Violation"; readonly key: string; readonly operations: ReadonlyArray<Operation>; readonly explanation: string }
  | { readonly _tag: "Inconclusive"; readonly key: string; readonly reason: string }

/** Generous: harness histories need about two states per operation; a million is ~80 MB at 500 operations on a key. */
const DEFAULT_MAX_STATES = 1_000_000

export const checkHistory = (history: History, options?: { readonly maxStatesPerKey?: number }): Verdict => {
  const maxStates = options?.maxStatesPerKey ?? DEFAULT_MAX_STATES
  const byKey = new Map<string, Array<Operation>>()
  for (const op of history) {
    const ops = byKey.get(op.key)
    if (ops === undefined) byKey.set(op.key, [op])
    else ops.push(op)
  }
  const keys = [...byKey.keys()].sort()
  let inconclusive: Verdict | undefined
  for (const key of keys) {
    const ops = (byKey.get(key) ?? []).sort(byInvocation)
    const result = searchRegister(ops, maxStates)
    if (result._tag === "Violation") {
      const witness = shrinkViolation(ops, (subset) => searchRegister(subset, maxStates)._tag === "Violation")
      return { _tag: "Violation", key, operations: witness, explanation: explainViolation(key, witness) }
    }
    if (result._tag === "Exhausted" && inconclusive === undefined) {
      inconclusive = {
        _tag: "Inconclusive",
        key,
        reason: `gave up on key '${key}' (${ops.length} operations) after ${maxStates} search states`
      }
    }
  }
  return inconclusive ?? { _tag: "Linearizable", keys: keys.length, operations: history.length }
}
