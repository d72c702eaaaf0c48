import type { NodeId } from "../../ids.ts"
import type { Entry } from "../../wire/messages.ts"
import { PersistentMap } from "../structures/persistentMap.ts"
import { addRecent, emptyRecent, hasRecent, type RecentSet } from "../structures/recentSet.ts"

/**
 * The replicated key-value map, plus the requests (client and MID) of the puts it applied, so
 * that a put replayed under the same MID (a duplicated datagram reaching a later leader) never
 * applies twice.
 */
export interface StateMachine {
  readonly data: PersistentMap<string, string>
  readonly applied: RecentSet
}

/**
 * How many applied requests are remembered: the last 4,096 to 8,192 (recentSet.ts). A replay
 * under the same MID comes only from a datagram the network duplicated; the reference never
 * duplicates, and kvsim's campaign delivers a copy at most 2 × electionMax late. Even at the
 * soak's 250 requests a second, the busiest workload either harness makes, 4,096 puts take
 * over 16 s to apply, far beyond that, so a replay still finds its MID remembered. A memory per
 * client would not be bounded by anything the harness promises.
 */
const MID_MEMORY = 4096

/** A fresh one for each replica: versions of one map share its storage (persistentMap.ts). */
export const emptyStateMachine = (): StateMachine => ({ data: PersistentMap.empty(), applied: emptyRecent(MID_MEMORY) })

/**
 * What identifies a client's request: its MID, within that client. MIDs are the client's to
 * choose; keyed by MID alone, one client could burn another's (its request would be taken
 * for a replay and dropped, never answered). Client ids are four characters, so the join is
 * unambiguous.
 */
export const requestKey = (client: NodeId, mid: string): string => `${client}${mid}`

const keyOf = (entry: Entry): string | undefined =>
  entry.MID === undefined || entry.client === undefined ? undefined : requestKey(entry.client, entry.MID)

export const applyEntry = (machine: StateMachine, entry: Entry): StateMachine => {
  if (entry.key === undefined || entry.value === undefined) return machine
  const key = keyOf(entry)
  if (key !== undefined && hasRecent(machine.applied, key)) return machine
  return {
    data: machine.data.set(entry.key, entry.value),
    applied: key === undefined ? machine.applied : addRecent(machine.applied, key)
  }
}

/** A key never written reads as the empty string, as the harness's clients expect. */
export const read = (machine: StateMachine, key: string): string => machine.data.get(key) ?? ""

export const hasApplied = (machine: StateMachine, client: NodeId, mid: string): boolean =>
  hasRecent(machine.applied, requestKey(client, mid))
