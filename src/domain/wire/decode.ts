import { Data, Either, ParseResult, Schema } from "effect"
import { decodeHot } from "./hotDecode.ts"
import { WireMessage } from "./messages.ts"
import { wireAppend } from "./wireForm.ts"

/** The harness's datagram limit; anything larger was not sent by a conforming peer. */
export const MAX_DATAGRAM_BYTES = 65_535

export type DecodeReason = "oversized" | "not-json" | "not-an-object" | "invalid-message"

/** Why a datagram was dropped at the edge. `reason` is the rate-limiting key for the log. */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly reason: DecodeReason
  readonly detail: string
}> {}

const utf8 = new TextEncoder()
const text = new TextDecoder("utf-8", { fatal: true })

const decodeMessage = Schema.decodeUnknownEither(WireMessage, { errors: "first" })

/** The one place a datagram becomes a typed message; nothing downstream sees raw input. */
export const decodeDatagram = (bytes: Uint8Array | string): Either.Either<WireMessage, DecodeError> => {
  const raw = typeof bytes === "string" ? utf8.encode(bytes) : bytes
  const size = raw.byteLength
  if (size > MAX_DATAGRAM_BYTES) {
    return Either.left(new DecodeError({ reason: "oversized", detail: `${size} bytes` }))
  }
  let json: unknown
  try {
    json = JSON.parse(text.decode(raw))
  } catch (error) {
    return Either.left(new DecodeError({ reason: "not-json", detail: String(error) }))
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return Either.left(new DecodeError({ reason: "not-an-object", detail: typeof json }))
  }
  const hot = decodeHot(json)
  if (hot !== undefined) return Either.right(hot)
  return Either.mapLeft(
    decodeMessage(json),
    (error) =>
      new DecodeError({ reason: "invalid-message", detail: ParseResult.TreeFormatter.formatErrorSync(error) })
  )
}

/**
 * The one place a message becomes text, kept here beside its inverse. Messages are plain JSON
 * data, so this is stringification, but for an append's entries, whose fields go under their
 * wire names (wireForm.ts): a message is not its own JSON.
 */
export const encodeMessage = (message: WireMessage): string =>
  JSON.stringify(message.type === "append" ? wireAppend(message) : message)
