import { Either } from "effect"
import type { NodeId } from "../../ids.ts"
import { utf8Bytes } from "../../wire/datagramSize.ts"
import { decodeDatagram, encodeMessage, MAX_DATAGRAM_BYTES } from "../../wire/decode.ts"
import type { Input, Step } from "../step.ts"
import type { Violation } from "./violation.ts"

/** Structural equality of JSON values, key order aside: what a decoded datagram must share with the message sent. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left).filter((key) => left[key] !== undefined)
  return keys.length === Object.keys(right).filter((key) => right[key] !== undefined).length && keys.every((key) => sameJson(left[key], right[key]))
}

/**
 * What one step must produce whatever its input: datagrams from this replica, no larger than a
 * datagram may be, each decoding to the very message sent (what its peers and the harness will
 * read), and after a timer expiry a next one in the future, or the replica spins.
 */
export const stepOutputViolation = (self: NodeId, input: Input, result: Step, now: number): Violation | undefined => {
  if (input._tag === "Timeout" && !(Number.isFinite(result.wakeAt) && result.wakeAt > now)) {
    return { invariant: "timer-moves", replica: self, detail: `timer still due at ${result.wakeAt} after firing at ${now}` }
  }
  for (const output of result.outputs) {
    if (output._tag !== "Send") continue
    const text = encodeMessage(output.message)
    const problem =
      output.message.src !== self
        ? `sent a datagram as ${output.message.src}`
        : utf8Bytes(text) > MAX_DATAGRAM_BYTES
          ? `sent ${utf8Bytes(text)} bytes`
          : Either.match(decodeDatagram(text), {
              onLeft: (error) => `sent a datagram that does not decode (${error.reason}): ${text.slice(0, 200)}`,
              onRight: (decoded) => (sameJson(decoded, output.message) ? undefined : `sent a datagram that decodes to another message: ${text.slice(0, 200)}`)
            })
    if (problem !== undefined) return { invariant: "valid-output", replica: self, detail: problem }
  }
  return undefined
}
