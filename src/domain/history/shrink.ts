import type { Operation } from "./operation.ts"
import { isRead, valueOf } from "./registerModel.ts"

/**
 * Shrinks a violation on one key to a small witness: drops operations while the rest still
 * cannot be linearized, first in halving chunks (cheap on long histories), then one at a time
 * until none can be dropped — no get, and no put together with the gets that saw its value.
 *
 * Drops must keep the witness honest. Dropping a get is always sound: a linearizable history
 * stays linearizable without it, so a violation without it was one with it. Dropping a put is
 * sound only with every get that saw the value it wrote — otherwise the witness would show
 * "a read of a value never written" that the real history does not contain — so a put always
 * goes together with its readers. Chunks are tried latest first, where a violation's
 * irrelevant tail is.
 */
export const shrinkViolation = (
  ops: ReadonlyArray<Operation>,
  isViolation: (ops: ReadonlyArray<Operation>) => boolean
): ReadonlyArray<Operation> => {
  let witness = ops
  let size = 1
  while (size * 4 <= witness.length) size *= 2
  for (;;) {
    const before = witness.length
    witness = dropChunks(witness, size, isViolation)
    if (size > 1) size /= 2
    else if (witness.length === before) return witness
  }
}

const dropChunks = (
  ops: ReadonlyArray<Operation>,
  size: number,
  isViolation: (ops: ReadonlyArray<Operation>) => boolean
): ReadonlyArray<Operation> => {
  let witness = ops
  let end = witness.length
  while (end > 0) {
    const start = Math.max(0, end - size)
    const chunk = witness.slice(start, end)
    const earlier = withoutReadersOf(chunk, witness.slice(0, start))
    const rest = [...earlier, ...withoutReadersOf(chunk, witness.slice(end))]
    if (isViolation(rest)) {
      witness = rest
      end = earlier.length
    } else {
      end = start
    }
  }
  return witness
}

/** `rest` without the gets that saw a value some put in `dropped` wrote. */
const withoutReadersOf = (dropped: ReadonlyArray<Operation>, rest: ReadonlyArray<Operation>): ReadonlyArray<Operation> => {
  const written = new Set(dropped.filter((op) => op.kind === "put").map(valueOf))
  return rest.filter((op) => !(isRead(op) && written.has(valueOf(op))))
}
