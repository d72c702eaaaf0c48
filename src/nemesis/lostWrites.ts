import type { History } from "../domain/history/operation.ts"

export interface LostWrite {
  readonly key: string
  /** The last acknowledged put's value. */
  readonly expected: string
  readonly found: string
}

/**
 * The keys whose final value (read after every fault was healed) is not the last acknowledged
 * put's: an acknowledged write lost or rolled back. A put with an unknown outcome may have
 * taken effect at any time after it was sent, so its value is accepted too; a key with no
 * acknowledged put may also be absent ("").
 */
export const lostWrites = (history: History, finalValues: ReadonlyMap<string, string>): ReadonlyArray<LostWrite> => {
  const lost: Array<LostWrite> = []
  for (const [key, found] of finalValues) {
    const puts = history.filter((op) => op.kind === "put" && op.key === key)
    const acknowledged = puts.filter((op) => op.outcome._tag === "Ok").sort((a, b) => a.invokedAt - b.invokedAt)
    const last = acknowledged.at(-1)
    const allowed = new Set(puts.filter((op) => op.outcome._tag === "Unknown").map((op) => op.value ?? ""))
    allowed.add(last?.value ?? "")
    if (!allowed.has(found)) lost.push({ key, expected: last?.value ?? "", found })
  }
  return lost
}
