import type { Entry } from "../../wire/messages.ts"

export const sameEntry = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.t === b.t && a.k === b.k && a.v === b.v && a.c === b.c && a.m === b.m)

export const showEntry = (entry: Entry | undefined): string => (entry === undefined ? "nothing" : JSON.stringify(entry))
