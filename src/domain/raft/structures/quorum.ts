/** Majority math for a cluster of `size` voters (§5.2: a candidate needs a majority). */
export const majority = (size: number): number => Math.floor(size / 2) + 1

/**
 * The largest value that at least a majority of the cluster has reached, given the leader's
 * own value and its followers' values: the k-th largest of all, k = majority.
 */
export const quorumValue = (own: number, followers: ReadonlyArray<number>): number => {
  const all = [own, ...followers].sort((a, b) => b - a)
  return all[majority(all.length) - 1] ?? own
}
