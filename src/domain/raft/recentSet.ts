import { HashSet } from "effect"

/**
 * A bounded memory of recently seen strings (client MIDs): two generations of a persistent
 * set; when the young one fills up it becomes the old one. Membership covers the last
 * `capacity` to 2 × `capacity` insertions, in constant memory, without per-insert copying.
 */
export interface RecentSet {
  readonly young: HashSet.HashSet<string>
  readonly old: HashSet.HashSet<string>
  readonly capacity: number
}

export const emptyRecent = (capacity: number): RecentSet => ({ young: HashSet.empty(), old: HashSet.empty(), capacity })

export const hasRecent = (set: RecentSet, item: string): boolean => HashSet.has(set.young, item) || HashSet.has(set.old, item)

export const addRecent = (set: RecentSet, item: string): RecentSet =>
  HashSet.size(set.young) >= set.capacity
    ? { ...set, old: set.young, young: HashSet.make(item) }
    : { ...set, young: HashSet.add(set.young, item) }
