import type { RandomStream } from "./random.ts"

export const KEY_LENGTH = 32
export const VALUE_LENGTH = 32

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

/**
 * SIMULATOR.md's mix: with probability `mix` a get of one of the client's own keys, else a
 * put that half the time writes a new key and half the time updates one of its keys — always
 * an update once the client holds `keyLimit` keys.
 */
export const drawIntent = (random: RandomStream, ownKeys: ReadonlyArray<string>, mix: number, keyLimit = Number.POSITIVE_INFINITY): Intent => {
  const wantsGet = random.float() < mix
  if (wantsGet) {
    const key = random.pick(ownKeys)
    if (key !== undefined) return { kind: "get", key }
  }
  const update = !wantsGet && (random.float() < 0.5 || ownKeys.length >= keyLimit) ? random.pick(ownKeys) : undefined
  return {
    kind: "put",
    key: update ?? random.alphanumeric(KEY_LENGTH),
    value: random.alphanumeric(VALUE_LENGTH),
    failedGetGeneration: wantsGet
  }
}
