import { PersistentMap } from "./persistentMap.ts"

/**
 * A bounded memory of recently seen strings (client MIDs): two generations of a persistent
 * set; when the young one fills up it becomes the old one. Membership covers the last
 * `capacity` to 2 × `capacity` insertions, in constant memory, without per-insert copying.
 */
export interface RecentSet {
  readonly young: PersistentMap<string, true>
  readonly old: PersistentMap<string, true>
  readonly capacity: number
}

export const emptyRecent = (capacity: number): RecentSet => ({ young: PersistentMap.empty(), old: PersistentMap.empty(), capacity })

export const hasRecent = (set: RecentSet, item: string): boolean => set.young.has(item) || set.old.has(item)

export const addRecent = (set: RecentSet, item: string): RecentSet =>
  set.young.size >= set.capacity
    ? { young: PersistentMap.empty<string, true>().set(item, true), old: set.young, capacity: set.capacity }
    : { young: set.young.set(item, true), old: set.old, capacity: set.capacity }

/** Every remembered item, the older generation first. */
export const recentItems = (set: RecentSet): Array<string> => [...set.old.keys(), ...set.young.keys()]
