import type { Entry } from "../../wire/messages.ts"

/**
 * The replicated log. Indexes start at 1; everything up to `base` has been compacted into a
 * snapshot whose last entry had term `baseTerm` (§7). `entries[i]` holds index base + 1 + i.
 */
export interface Log {
  readonly base: number
  readonly baseTerm: number
  readonly entries: ReadonlyArray<Entry>
}

export const emptyLog: Log = { base: 0, baseTerm: 0, entries: [] }

export const lastIndex = (log: Log): number => log.base + log.entries.length

export const lastTerm = (log: Log): number => log.entries.at(-1)?.term ?? log.baseTerm

/** The term of the entry at `index`, or undefined where the log has no such entry (or compacted it away). */
export const termAt = (log: Log, index: number): number | undefined =>
  index === log.base ? log.baseTerm : index < log.base ? undefined : log.entries[index - log.base - 1]?.term

export const entryAt = (log: Log, index: number): Entry | undefined => log.entries[index - log.base - 1]

/** Entries from `from` through `to`, inclusive; `from` must be past `base`. */
export const slice = (log: Log, from: number, to: number): ReadonlyArray<Entry> =>
  log.entries.slice(from - log.base - 1, to - log.base)

/** Copies the entries: cheap only because compaction keeps the log to a few thousand of them. */
export const append = (log: Log, added: ReadonlyArray<Entry>): Log => ({ ...log, entries: [...log.entries, ...added] })

/**
 * The log once a snapshot through the entry (`index`, `term`) replaced its prefix (§7). A log
 * that holds that entry keeps what follows it; any other log is discarded whole, since what it
 * holds past `index` may not match the log the snapshot came from.
 */
export const compactTo = (log: Log, index: number, term: number): Log =>
  termAt(log, index) === term
    ? { base: index, baseTerm: term, entries: log.entries.slice(index - log.base) }
    : { base: index, baseTerm: term, entries: [] }

/**
 * Merges a leader's entries that follow `prevIndex`. Truncates only at the first entry whose
 * term differs (§5.3): an append that arrives late or twice must not cut off entries a newer
 * append already placed, or acknowledged entries could vanish from a follower.
 */
export const merge = (log: Log, prevIndex: number, entries: ReadonlyArray<Entry>): Log => {
  const conflict = firstConflict(log, prevIndex, entries)
  if (conflict !== undefined) {
    const kept = log.entries.slice(0, conflict - log.base - 1)
    return { ...log, entries: [...kept, ...entries.slice(conflict - prevIndex - 1)] }
  }
  const known = Math.max(0, Math.min(entries.length, lastIndex(log) - prevIndex))
  return known === entries.length ? log : { ...log, entries: [...log.entries, ...entries.slice(known)] }
}

/** The first index past `base` where `entries` (following `prevIndex`) differ in term from the log, if any. */
export const firstConflict = (log: Log, prevIndex: number, entries: ReadonlyArray<Entry>): number | undefined => {
  const end = Math.min(prevIndex + entries.length, lastIndex(log))
  for (let index = Math.max(prevIndex, log.base) + 1; index <= end; index++) {
    if (termAt(log, index) !== entries[index - prevIndex - 1]?.term) return index
  }
  return undefined
}

/** The first index holding `term` at or before `upTo`, for a rejection hint. */
export const firstIndexOfTerm = (log: Log, term: number, upTo: number): number => {
  let index = upTo
  while (index - 1 > log.base && termAt(log, index - 1) === term) index--
  return index
}

/** The last index holding `term`, or undefined if the log has none. */
export const lastIndexOfTerm = (log: Log, term: number): number | undefined => {
  for (let index = lastIndex(log); index > log.base; index--) {
    const t = termAt(log, index)
    if (t === term) return index
    if (t !== undefined && t < term) return undefined
  }
  return undefined
}

/** §5.4.1: is a log ending at (index, term) at least as up-to-date as this one? */
export const isUpToDate = (log: Log, index: number, term: number): boolean =>
  term > lastTerm(log) || (term === lastTerm(log) && index >= lastIndex(log))
