import type { PersistentMap } from "../structures/persistentMap.ts"

const LOW = 2 ** 32

/**
 * A 53-bit hash of one key/value pair: cyrb53's mixing over the key's characters, its length
 * (so that "ab"→"c" and "a"→"bc" differ) and the value's characters.
 */
const pairHash = (key: string, value: string): number => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  const mix = (code: number): void => {
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  for (let i = 0; i < key.length; i++) mix(key.charCodeAt(i))
  mix(key.length)
  for (let i = 0; i < value.length; i++) mix(value.charCodeAt(i))
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return LOW * (h2 & 0x1fffff) + (h1 >>> 0)
}

/**
 * A digest of one replica's key/value map, followed as the map changes: the XOR of every
 * pair's hash, so equal contents give equal digests whatever order they were written in, and
 * a changed key costs two hashes. Between two looks the map's own chain of differences names
 * the keys that changed (persistentMap.ts, `keysDifferingFrom`); a map built apart, as an
 * installed snapshot is, or one further away than it has keys, is hashed whole.
 */
export class MachineDigest {
  private data: PersistentMap<string, string> | undefined
  private readonly hashes = new Map<string, number>()
  private low = 0
  private high = 0

  of(data: PersistentMap<string, string>): number {
    if (data !== this.data) {
      const changed = this.data?.keysDifferingFrom(data, this.hashes.size + 1)
      if (changed === undefined) this.rehash(data)
      else for (const key of changed) this.update(key, data.get(key))
      this.data = data
    }
    return this.high * LOW + (this.low >>> 0)
  }

  private rehash(data: PersistentMap<string, string>): void {
    this.hashes.clear()
    this.low = 0
    this.high = 0
    for (const [key, value] of data.entries()) this.update(key, value)
  }

  private update(key: string, value: string | undefined): void {
    const old = this.hashes.get(key)
    if (old !== undefined) this.flip(old)
    if (value === undefined) this.hashes.delete(key)
    else {
      const hash = pairHash(key, value)
      this.flip(hash)
      this.hashes.set(key, hash)
    }
  }

  /** XOR is its own inverse: the same call adds a pair's hash to the digest and takes it out. */
  private flip(hash: number): void {
    this.low ^= hash % LOW
    this.high ^= Math.floor(hash / LOW)
  }
}
