/**
 * A persistent map whose newest version costs what a mutable `Map` costs: Baker's shallow
 * binding, as Conchon and Filliâtre use it for persistent arrays ("A Persistent Union-Find
 * Data Structure", 2007). The versions of one map share a single JS `Map`, which holds the
 * contents of exactly one of them, the root; every other version records one key's difference
 * from the next version towards the root. Reading or writing a version first makes it the root
 * ("rerooting"), undoing the differences on the way and recording their inverses.
 *
 * A reducer only ever touches the version it just made, which is the root, so each step pays
 * one `Map` operation and one small object. Any older version still reads exactly as it was
 * (a checkpoint, a test's saved state), at the cost of a reroot proportional to the updates
 * between it and the root. So every version is immutable as observed through this class, which
 * is all the pure reducer needs, while a step touches one Map entry where Effect's HashMap
 * and HashSet (hash array mapped tries) walked and copied a path of trie nodes, a measurable
 * share of a follower's append (docs/performance/latency.md).
 *
 * Maps made by separate `empty()` calls share nothing: every replica's state machine must
 * start from its own, or the replicas of one simulation would reroot one another's `Map`.
 */
export class PersistentMap<K, V> {
  /** The shared Map while this version is the root; undefined while it is a difference. */
  private map: Map<K, V> | undefined
  /** As a difference: this version holds `value` at `key` (or nothing, if not `present`) and otherwise equals `next`. */
  private key: K | undefined
  private present = false
  private value: V | undefined
  private next: PersistentMap<K, V> | undefined

  private constructor(map: Map<K, V>) {
    this.map = map
  }

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap(new Map())
  }

  get(key: K): V | undefined {
    return this.reroot().get(key)
  }

  has(key: K): boolean {
    return this.reroot().has(key)
  }

  get size(): number {
    return this.reroot().size
  }

  /** The version with `key` bound to `value`; this one still holds what it held. */
  set(key: K, value: V): PersistentMap<K, V> {
    const map = this.reroot()
    const present = map.has(key)
    const old = map.get(key)
    if (present && old === value) return this
    map.set(key, value)
    const newer = new PersistentMap(map)
    this.becomeDifference(key, present, old, newer)
    return newer
  }

  /** A copy of the entries, so later rerooting cannot disturb the caller's iteration. */
  entries(): Array<[K, V]> {
    return Array.from(this.reroot())
  }

  keys(): Array<K> {
    return Array.from(this.reroot().keys())
  }

  /**
   * The keys on which this version and `other` may differ, found along the chain of
   * differences that links them, when one is at most `limit` differences from the other;
   * undefined when they are not linked that closely (built apart, or far apart). Reads
   * without rerooting, so an observer that compares versions (the invariant checker) moves
   * nothing under the replica that owns them.
   */
  keysDifferingFrom(other: PersistentMap<K, V>, limit: number): Array<K> | undefined {
    return this.keysOnTheWayTo(other, limit) ?? other.keysOnTheWayTo(this, limit)
  }

  private keysOnTheWayTo(target: PersistentMap<K, V>, limit: number): Array<K> | undefined {
    const keys: Array<K> = []
    for (let version: PersistentMap<K, V> = this; version !== target; version = version.next as PersistentMap<K, V>) {
      if (version.map !== undefined || keys.length === limit) return undefined
      keys.push(version.key as K)
    }
    return keys
  }

  private becomeDifference(key: K, present: boolean, value: V | undefined, next: PersistentMap<K, V>): void {
    this.map = undefined
    this.key = key
    this.present = present
    this.value = value
    this.next = next
  }

  /**
   * Makes this version the root and returns the shared Map. Walks to the current root, then
   * back: each step undoes one difference in the Map and turns the old root into the inverse
   * difference. Iterative, so a version thousands of updates away cannot overflow the stack.
   */
  private reroot(): Map<K, V> {
    if (this.map !== undefined) return this.map
    const path: Array<PersistentMap<K, V>> = []
    let root: PersistentMap<K, V> = this
    while (root.map === undefined) {
      path.push(root)
      root = root.next as PersistentMap<K, V>
    }
    const map = root.map
    for (let i = path.length - 1; i >= 0; i--) {
      const version = path[i] as PersistentMap<K, V>
      const key = version.key as K
      const newer = version.next as PersistentMap<K, V>
      newer.becomeDifference(key, map.has(key), map.get(key), version)
      if (version.present) map.set(key, version.value as V)
      else map.delete(key)
      version.map = map
      version.key = undefined
      version.value = undefined
      version.next = undefined
    }
    return map
  }
}
