import type { NodeId } from "../../ids.ts"
import type { Entry } from "../../wire/messages.ts"
import { sameEntry, showEntry } from "./entries.ts"

interface Held {
  readonly entry: Entry
  readonly previousTerm: number
  readonly holder: NodeId
}

/**
 * Log Matching (§5.3) over whole logs, one entry at a time, as entries appear in a log: any two
 * logs holding an entry of the same index and term hold the same entry there, and the same
 * term just before it. By induction down the log that makes them identical up to that index,
 * the whole shared prefix, while each entry is looked at once, when it arrives.
 */
export class EntryRegistry {
  private readonly held = new Map<number, Array<Held>>()

  /** Checks (and, when first seen, records) `entry` at `index` of `holder`'s log, after an entry of `previousTerm`. */
  check(holder: NodeId, index: number, entry: Entry, previousTerm: number): string | undefined {
    const atIndex = this.held.get(index)
    const first = atIndex?.find((held) => held.entry.term === entry.term)
    if (first === undefined) {
      const held = { entry, previousTerm, holder }
      if (atIndex === undefined) this.held.set(index, [held])
      else atIndex.push(held)
      return undefined
    }
    if (sameEntry(first.entry, entry) && first.previousTerm === previousTerm) return undefined
    return (
      `${holder} holds ${showEntry(entry)} at ${index} after an entry of term ${previousTerm}, ` +
      `where ${first.holder} held ${showEntry(first.entry)} after one of term ${first.previousTerm}`
    )
  }
}
