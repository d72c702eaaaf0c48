import type { Append, Entry } from "./messages.ts"

/**
 * A log entry as it crosses the wire, its fields under their one-letter names (messages.ts).
 * A field the entry lacks is `undefined` here, and JSON leaves it out.
 */
export interface WireEntry {
  readonly t: number
  readonly k: string | undefined
  readonly v: string | undefined
  readonly c: string | undefined
  readonly m: string | undefined
}

export const wireEntry = (entry: Entry): WireEntry => ({ t: entry.term, k: entry.key, v: entry.value, c: entry.client, m: entry.MID })

/**
 * An append as it crosses the wire. Written out field by field, in the Schema's order (as
 * sendAppend builds it): a spread would be slow on Node 20 (outputs.ts says why).
 */
export const wireAppend = (append: Append) => ({
  src: append.src,
  dst: append.dst,
  leader: append.leader,
  type: append.type,
  term: append.term,
  prevIndex: append.prevIndex,
  prevTerm: append.prevTerm,
  entries: append.entries.map(wireEntry),
  commit: append.commit,
  at: append.at,
  ack: append.ack
})
