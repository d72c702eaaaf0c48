/**
 * The configurations a linearization search has already explored — which operations are
 * linearized, as a bitset, and the register's value — so that a configuration reached again
 * by another order is pruned at once (Lowe's memoization, Porcupine's cache). An open-addressing
 * table over flat typed arrays, because a search may record a million of them.
 */
export class VisitedStates {
  private slots = new Int32Array(16)
  private hashes = new Int32Array(8)
  private values = new Int32Array(8)
  private bits: Uint32Array
  private count = 0

  constructor(private readonly words: number) {
    this.bits = new Uint32Array(8 * words)
  }

  get size(): number {
    return this.count
  }

  /**
   * Records a configuration and tells whether it is new. `hash` is the XOR of `bitHash` over
   * the linearized operations, kept up to date by the search as it sets and clears bits.
   */
  add(linearized: Uint32Array, hash: number, value: number): boolean {
    const h = mix(hash ^ Math.imul(value + 1, 0x9e3779b1))
    let mask = this.slots.length - 1
    let slot = h & mask
    for (let occupant = this.slots[slot] ?? 0; occupant !== 0; occupant = this.slots[slot] ?? 0) {
      const entry = occupant - 1
      if (this.hashes[entry] === h && this.values[entry] === value && this.holds(entry, linearized)) return false
      slot = (slot + 1) & mask
    }
    const entry = this.count++
    if (entry === this.hashes.length) this.growEntries()
    this.hashes[entry] = h
    this.values[entry] = value
    this.bits.set(linearized, entry * this.words)
    this.slots[slot] = entry + 1
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2)
      mask = this.slots.length - 1
      for (let e = 0; e < this.count; e++) {
        let s = (this.hashes[e] ?? 0) & mask
        while (this.slots[s] !== 0) s = (s + 1) & mask
        this.slots[s] = e + 1
      }
    }
    return true
  }

  private holds(entry: number, linearized: Uint32Array): boolean {
    const base = entry * this.words
    for (let w = 0; w < this.words; w++) if (this.bits[base + w] !== linearized[w]) return false
    return true
  }

  private growEntries(): void {
    const capacity = this.hashes.length * 2
    this.hashes = copyInto(new Int32Array(capacity), this.hashes)
    this.values = copyInto(new Int32Array(capacity), this.values)
    this.bits = copyInto(new Uint32Array(capacity * this.words), this.bits)
  }
}

/** The contribution of operation `i` to a bitset's hash (Zobrist hashing: XOR in on set, out on clear). */
export const bitHash = (i: number): number => mix(Math.imul(i + 1, 0x9e3779b9))

/** MurmurHash3's finalizer: spreads every input bit over the 32-bit result. */
const mix = (x: number): number => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

const copyInto = <T extends Int32Array | Uint32Array>(target: T, source: T): T => {
  target.set(source)
  return target
}
