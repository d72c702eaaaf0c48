import type { Operation } from "./operation.ts"
import { ABSENT, isRead, valueOf } from "./registerModel.ts"
import { precedes, respondedAt } from "./realTime.ts"

/**
 * Why a (shrunk) witness cannot be linearized, in words a student can check against the
 * operations it lists: first a read no single write can explain, else the sequence of reads
 * no order of the writes can produce.
 */
export const explainViolation = (key: string, witness: ReadonlyArray<Operation>): string => {
  const reads = witness.filter(isRead)
  const puts = witness.filter((op) => op.kind === "put")
  const reason = reads.map((read) => unexplainedRead(key, read, puts)).find((text) => text !== undefined) ??
    `the gets, in order of invocation, saw ${reads.map((read) => quote(valueOf(read))).join(", then ")}, ` +
      `but no order of the puts, each taking effect between its invocation and its answer (if any), explains all of them`
  return `${reason}. Witness: ${witness.map(describe).join("; ")}`
}

/** Explains a read that no put could have left in the register, if it is one. */
const unexplainedRead = (key: string, read: Operation, puts: ReadonlyArray<Operation>): string | undefined => {
  const seen = valueOf(read)
  const writers = puts.filter((put) => valueOf(put) === seen)
  if (seen !== ABSENT && writers.length === 0) return `${span(read, "get")} saw ${quote(seen)}, a value never written to key '${key}'`
  // A put is hidden from the read once another put has taken effect between the two for sure.
  const overwriter = (put: Operation): Operation | undefined =>
    puts.find((later) => precedes(put, later) && precedes(later, read))
  const visible = puts.filter((put) => !precedes(read, put) && overwriter(put) === undefined)
  const absentVisible = !puts.some((put) => precedes(put, read))
  if (visible.some((put) => valueOf(put) === seen) || (seen === ABSENT && absentVisible)) return undefined
  const couldSee = [...new Set([...(absentVisible ? [ABSENT] : []), ...visible.map(valueOf)])].map(quote).join(" or ")
  const lastDone = puts.filter((put) => precedes(put, read)).sort((a, b) => respondedAt(b) - respondedAt(a))[0]
  if (seen === ABSENT && lastDone !== undefined) {
    return `${span(read, "get")} saw the key absent, but ${describe(lastDone)} had completed ` +
      `before it was invoked, so it could only see ${couldSee}`
  }
  const hidden = writers.find((put) => overwriter(put) !== undefined)
  const by = hidden === undefined ? undefined : overwriter(hidden)
  if (hidden !== undefined && by !== undefined) {
    return `${span(read, "get")} saw ${quote(seen)}, but ${describe(hidden)} had been overwritten by ${describe(by)} ` +
      `before the get was invoked, so it could only see ${couldSee}`
  }
  return `${span(read, "get")} saw ${quote(seen)}, but every put of ${quote(seen)} was invoked only after the get had answered`
}

const quote = (value: string): string => (value === ABSENT ? "nothing" : `'${value}'`)

const ms = (t: number): string => `${Number(t.toFixed(3))} ms`

const span = (op: Operation, what: string): string =>
  `${what} by ${op.client} [${ms(op.invokedAt)} – ${op.outcome._tag === "Ok" ? ms(op.outcome.respondedAt) : "never answered"}]`

const describe = (op: Operation): string =>
  op.kind === "put" ? span(op, `put ${quote(valueOf(op))}`) : `${span(op, "get")} → ${quote(valueOf(op))}`
