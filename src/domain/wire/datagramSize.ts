import type { Entry } from "./messages.ts"
import { wireEntry } from "./wireForm.ts"

/**
 * How much fits in one datagram. The harness accepts up to 65,535 bytes, but a UDP payload
 * over IPv4 is at most 65,535 − 8 (UDP header) − 20 (IP header): a larger send fails with
 * EMSGSIZE and is silently lost, so a follower that needs it would never catch up.
 */
export const UDP_PAYLOAD_BYTES = 65_507

/**
 * What an append's or an install's fields other than its list of entries (or snapshot items)
 * may take: ids, type, up to six numbers of at most ~24 characters each, flags, names and
 * punctuation come to under 300 bytes; the rest is margin.
 */
const FIXED_FIELDS_ALLOWANCE = 1_024

/** Bytes of list items (each counted with its separating comma) one replica datagram may carry. */
export const ITEMS_BUDGET_BYTES = UDP_PAYLOAD_BYTES - FIXED_FIELDS_ALLOWANCE

/** UTF-8 length of `text` without encoding it: a surrogate pair is 4 bytes, a lone surrogate 3. */
export const utf8Bytes = (text: string): number => {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) bytes += 1
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

/** The exact size of `value` as it goes on the wire inside a message (messages are plain JSON). */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value))

/** The exact size of `entry` inside an append, where its fields have their wire names. */
export const wireEntryBytes = (entry: Entry): number => jsonBytes(wireEntry(entry))
