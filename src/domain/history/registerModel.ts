import type { Operation } from "./operation.ts"

/**
 * The sequential specification each key follows: a register that starts absent and that a
 * put overwrites. The store answers a get of a key never written with "", so a get with no
 * value, a get of "" and a put of "" all mean the same absent value.
 */
export const ABSENT = ""

/** The value a put writes, or the value an answered get saw. */
export const valueOf = (op: Operation): string =>
  op.kind === "put" ? op.value ?? ABSENT : op.outcome._tag === "Ok" ? op.outcome.value ?? ABSENT : ABSENT

/** An answered get: the only kind of get that constrains anything. */
export const isRead = (op: Operation): boolean => op.kind === "get" && op.outcome._tag === "Ok"

/** Values numbered densely per key, absent as 0, so that the search compares small integers. */
export const numberValues = (ops: ReadonlyArray<Operation>): Int32Array => {
  const numbers = new Map<string, number>([[ABSENT, 0]])
  const result = new Int32Array(ops.length)
  ops.forEach((op, i) => {
    const value = valueOf(op)
    let n = numbers.get(value)
    if (n === undefined) {
      n = numbers.size
      numbers.set(value, n)
    }
    result[i] = n
  })
  return result
}
