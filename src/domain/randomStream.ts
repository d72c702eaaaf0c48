import { next, type Prng, seeded } from "./prng.ts"

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/**
 * A cursor over the pure PRNG. The harness draws from several independent streams (workload,
 * network, chaos) so that, for example, a drop drawn for one more datagram does not change
 * which keys the clients choose; each stream is owned by one object and advanced in place.
 */
export class RandomStream {
  private prng: Prng

  constructor(seed: number) {
    this.prng = seeded(seed)
  }

  /** A draw in [0, 1). */
  float(): number {
    const [u, rest] = next(this.prng)
    this.prng = rest
    return u
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.float() * bound)
  }

  pick<A>(items: ReadonlyArray<A>): A | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)]
  }

  /** Fisher–Yates on a copy. */
  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = out[i] as A
      out[i] = out[j] as A
      out[j] = tmp
    }
    return out
  }

  alphanumeric(length: number): string {
    return this.string(length, ALPHANUMERIC)
  }

  string(length: number, alphabet: string): string {
    let out = ""
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)]
    return out
  }
}

/**
 * The seed of stream `k` of a run: a hash of (seed, k), not seed + k, because SplitMix streams
 * whose states differ by a small amount would be shifted copies of one another.
 */
export const streamSeed = (seed: number, k: number): number => {
  const [u] = next(seeded((seed ^ Math.imul(k + 1, 0x632be5ab)) >>> 0))
  return Math.floor(u * 0x1_0000_0000) >>> 0
}
