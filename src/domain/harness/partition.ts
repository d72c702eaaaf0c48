import type { RandomStream } from "../randomStream.ts"

/**
 * A split of the replicas into a majority side and the rest. Only replica-to-replica traffic
 * across the split is blocked; clients reach every replica regardless.
 */
export class Partition {
  private readonly majority: ReadonlyArray<boolean>

  constructor(majority: ReadonlyArray<boolean>) {
    this.majority = majority
  }

  /**
   * A random majority side of `size` replicas, containing `mustInclude` when given: part_easy
   * keeps the current leader on the majority side, part_hard does not care.
   */
  static random(size: number, random: RandomStream, mustInclude?: number): Partition {
    const quorum = Math.floor(size / 2) + 1
    const others = random.shuffle(Array.from({ length: size }, (_, i) => i).filter((i) => i !== mustInclude))
    const chosen = mustInclude === undefined ? others.slice(0, quorum) : [mustInclude, ...others.slice(0, quorum - 1)]
    const majority = Array.from({ length: size }, () => false)
    for (const i of chosen) majority[i] = true
    return new Partition(majority)
  }

  inMajority(i: number): boolean {
    return this.majority[i] === true
  }

  /** Whether traffic between the two is cut; a sender that is no replica counts as outside the majority. */
  separates(from: number | undefined, to: number): boolean {
    return (from !== undefined && this.majority[from] === true) !== (this.majority[to] === true)
  }
}
