import { ITEMS_BUDGET_BYTES, jsonBytes } from "../../domain/wire/datagramSize.ts"

/** A key's UTF-8 length at most: room for paths and ids, small beside a value. */
export const MAX_KEY_BYTES = 1_024

/**
 * A put's body at most. A put becomes one log entry and the leader refuses an entry that does
 * not fit one append datagram (`fitsOneAppend`), so the body is capped below that budget with
 * room for the longest key and the entry's other fields; a request over it is refused before
 * it reaches the node, instead of being read whole and failed there.
 */
export const MAX_BODY_BYTES = 60 * 1_024

/** What an entry takes besides its key and value: term, client, sequence, field names and punctuation. */
const ENTRY_FIELDS_ALLOWANCE = 512

/**
 * Whether a put fits one entry as the replica encodes it. Entries travel as JSON, where a
 * control character in a value takes six bytes and a quote two, so a body under
 * MAX_BODY_BYTES can still be too large once encoded.
 */
export const fitsOneEntry = (key: string, value: string): boolean =>
  jsonBytes(key) + jsonBytes(value) + ENTRY_FIELDS_ALLOWANCE <= ITEMS_BUDGET_BYTES
