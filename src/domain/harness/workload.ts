import { createHash } from "node:crypto"
import type { RandomStream } from "../randomStream.ts"

export const KEY_LENGTH = 32
export const MID_LENGTH = 16
/** The reference's alphabet for keys and MIDs. */
const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/** The next operation a client wants to perform, before it has a MID or a destination. */
export type Intent =
  | { readonly kind: "get"; readonly key: string }
  | {
    readonly kind: "put"
    readonly key: string
    readonly value: string
    /** A get was drawn but the client had no key yet (correctness check 5). */
    readonly failedGetGeneration: boolean
  }

const md5 = (text: string): string => createHash("md5").update(text).digest("hex")

export const randomKey = (random: RandomStream, length: number): string => random.string(length, KEY_ALPHABET)

/**
 * The reference's mix: with probability `mix` a get of one of the client's own keys, else a
 * put that half the time writes a new key and half the time updates one of its keys. A new
 * key's value is the MD5 of the key, an update's the MD5 of the key's acknowledged value, so
 * two updates of one key in flight at once carry the same value. `keyLimit` (kvsim only): once
 * a client holds that many keys its puts only update them.
 */
export const drawIntent = (
  random: RandomStream,
  acknowledged: ReadonlyMap<string, string>,
  ownKeys: ReadonlyArray<string>,
  mix: number,
  keyLimit = Number.POSITIVE_INFINITY
): Intent => {
  const wantsGet = random.float() < mix
  if (wantsGet) {
    const key = random.pick(ownKeys)
    if (key !== undefined) return { kind: "get", key }
  }
  const update = ownKeys.length > 0 && (random.float() <= 0.5 || ownKeys.length >= keyLimit) ? random.pick(ownKeys) : undefined
  if (update !== undefined) return { kind: "put", key: update, value: md5(acknowledged.get(update) ?? ""), failedGetGeneration: wantsGet }
  const key = randomKey(random, KEY_LENGTH)
  return { kind: "put", key, value: md5(key), failedGetGeneration: wantsGet }
}
