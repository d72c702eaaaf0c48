import { createHash } from "node:crypto"
import type { RandomStream } from "../randomStream.ts"
import { jsonBytes, UDP_PAYLOAD_BYTES } from "../wire/datagramSize.ts"

export const KEY_LENGTH = 32
export const MID_LENGTH = 16
/** The reference's values: an MD5 in hex. */
export const MD5_LENGTH = 32
/**
 * The longest value a put may carry (kvsim's `max_value_bytes`): its datagram, every other
 * field at its longest, must fit in one UDP payload.
 */
export const MAX_VALUE_BYTES = UDP_PAYLOAD_BYTES -
  jsonBytes({ src: "FFFE", dst: "FFFE", leader: "FFFF", type: "put", MID: "M".repeat(MID_LENGTH), key: "K".repeat(KEY_LENGTH), value: "" })
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

/**
 * The reference's MD5 of `text`, stretched (kvsim only) to a length between its own and
 * `maxBytes` that the MD5 picks, by chaining further MD5s after it. The value still depends
 * only on `text`, so two updates of one key in flight at once still carry the same value, and
 * no random draw is spent: the workload is the reference's in every other respect.
 */
const valueOf = (text: string, maxBytes: number): string => {
  const digest = md5(text)
  const length = MD5_LENGTH + (Number.parseInt(digest.slice(0, 8), 16) % (maxBytes - MD5_LENGTH + 1))
  const links = [digest]
  while (links.length * MD5_LENGTH < length) links.push(md5(links[links.length - 1] as string))
  return links.join("").slice(0, length)
}

export const randomKey = (random: RandomStream, length: number): string => random.string(length, KEY_ALPHABET)

/**
 * The reference's mix: with probability `mix` a get of one of the client's own keys, else a
 * put that half the time writes a new key and half the time updates one of its keys. A new
 * key's value is the MD5 of the key, an update's the MD5 of the key's acknowledged value, so
 * two updates of one key in flight at once carry the same value. `keyLimit` (kvsim only): once
 * a client holds that many keys its puts only update them. `maxValueBytes` (kvsim only):
 * values of up to that many bytes (`valueOf`).
 */
export const drawIntent = (
  random: RandomStream,
  acknowledged: ReadonlyMap<string, string>,
  ownKeys: ReadonlyArray<string>,
  mix: number,
  keyLimit = Number.POSITIVE_INFINITY,
  maxValueBytes = MD5_LENGTH
): Intent => {
  const wantsGet = random.float() < mix
  if (wantsGet) {
    const key = random.pick(ownKeys)
    if (key !== undefined) return { kind: "get", key }
  }
  const update = ownKeys.length > 0 && (random.float() <= 0.5 || ownKeys.length >= keyLimit) ? random.pick(ownKeys) : undefined
  if (update !== undefined) return { kind: "put", key: update, value: valueOf(acknowledged.get(update) ?? "", maxValueBytes), failedGetGeneration: wantsGet }
  const key = randomKey(random, KEY_LENGTH)
  return { kind: "put", key, value: valueOf(key, maxValueBytes), failedGetGeneration: wantsGet }
}
