import { createHmac, timingSafeEqual, type KeyObject } from "node:crypto"
import { TAG_BYTES } from "../domain/cluster/peerDatagram.ts"

/** The tag of `payload` sent in `context` (domain/cluster/peerDatagram.ts: sender and receiver bound). */
export const macTag = (key: KeyObject, context: Uint8Array, payload: Uint8Array): Buffer =>
  createHmac("sha256", key).update(context).update(payload).digest()

export type Verified = { readonly payload: Uint8Array } | { readonly refused: "short" | "bad-mac" }

/**
 * The payload of a received `tag ‖ payload` if its tag verifies in `context`. The comparison
 * takes the same time wherever the tags differ, so a forger learns nothing from how long a
 * refusal took.
 */
export const verify = (key: KeyObject, context: Uint8Array, datagram: Uint8Array): Verified => {
  if (datagram.byteLength < TAG_BYTES) return { refused: "short" }
  const payload = datagram.subarray(TAG_BYTES)
  const expected = macTag(key, context, payload)
  return timingSafeEqual(expected, datagram.subarray(0, TAG_BYTES)) ? { payload } : { refused: "bad-mac" }
}
