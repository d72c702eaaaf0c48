import type { Entry } from "../../wire/messages.ts"

export const sameEntry = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.term === b.term && a.key === b.key && a.value === b.value && a.client === b.client && a.MID === b.MID)

export const showEntry = (entry: Entry | undefined): string => (entry === undefined ? "nothing" : JSON.stringify(entry))
