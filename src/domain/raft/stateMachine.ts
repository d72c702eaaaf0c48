import type { Entry } from "../wire/messages.ts"
import { PersistentMap } from "./persistentMap.ts"
import { addRecent, emptyRecent, hasRecent, type RecentSet } from "./recentSet.ts"

/**
 * The replicated key-value map, plus the MIDs of the puts it applied, so that a put replayed
 * under the same MID (a duplicated datagram reaching a later leader) never applies twice.
 */
export interface StateMachine {
  readonly data: PersistentMap<string, string>
  readonly applied: RecentSet
}

const MID_MEMORY = 4096

/** A fresh one for each replica: versions of one map share its storage (persistentMap.ts). */
export const emptyStateMachine = (): StateMachine => ({ data: PersistentMap.empty(), applied: emptyRecent(MID_MEMORY) })

export const applyEntry = (machine: StateMachine, entry: Entry): StateMachine => {
  if (entry.k === undefined || entry.v === undefined) return machine
  if (entry.m !== undefined && hasRecent(machine.applied, entry.m)) return machine
  return {
    data: machine.data.set(entry.k, entry.v),
    applied: entry.m === undefined ? machine.applied : addRecent(machine.applied, entry.m)
  }
}

/** A key never written reads as the empty string, as the harness's clients expect. */
export const read = (machine: StateMachine, key: string): string => machine.data.get(key) ?? ""

export const hasApplied = (machine: StateMachine, mid: string): boolean => hasRecent(machine.applied, mid)
