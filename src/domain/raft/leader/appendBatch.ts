import { ITEMS_BUDGET_BYTES, wireEntryBytes } from "../../wire/datagramSize.ts"
import type { Entry } from "../../wire/messages.ts"
import { entryAt, lastIndex, type Log } from "../log/log.ts"

const entryBytes = (entry: Entry): number => wireEntryBytes(entry) + 1

/** Whether `entry` fits in an append on its own: the leader refuses a put whose entry does not. */
export const fitsOneAppend = (entry: Entry): boolean => entryBytes(entry) <= ITEMS_BUDGET_BYTES

/**
 * The last index of an append that starts at `from`: as many entries as fit in one datagram,
 * measured one entry at a time by its exact encoded size, so the cost is proportional to what
 * is sent. At least one entry when there is any, so replication always moves on; it fits,
 * since every entry in the log passed `fitsOneAppend`.
 */
export const batchEnd = (log: Log, from: number): number => {
  const last = lastIndex(log)
  let to = from - 1
  let bytes = 0
  while (to < last) {
    const entry = entryAt(log, to + 1)
    if (entry === undefined) break
    const size = entryBytes(entry)
    if (to >= from && bytes + size > ITEMS_BUDGET_BYTES) break
    bytes += size
    to++
  }
  return to
}
