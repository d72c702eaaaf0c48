import type { Headers } from "@effect/platform"
import { Either } from "effect"
import type { KvSession } from "../KvNode.ts"

export const CLIENT_ID_HEADER = "client-id"
export const CLIENT_SEQUENCE_HEADER = "client-sequence"

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/
const SEQUENCE = /^[1-9][0-9]{0,15}$/

/**
 * The session a put or delete names with `Client-Id` and `Client-Sequence`: both or neither.
 * Without them the request is applied as often as it arrives. The error is the client's 400 message.
 */
export const sessionFromHeaders = (headers: Headers.Headers): Either.Either<KvSession | undefined, string> => {
  const client = headers[CLIENT_ID_HEADER]
  const sequence = headers[CLIENT_SEQUENCE_HEADER]
  if (client === undefined && sequence === undefined) return Either.right(undefined)
  if (client === undefined || sequence === undefined)
    return Either.left("Client-Id and Client-Sequence go together: send both or neither")
  if (!CLIENT_ID.test(client)) return Either.left("Client-Id must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
  const number = Number(sequence)
  if (!SEQUENCE.test(sequence) || !Number.isSafeInteger(number))
    return Either.left("Client-Sequence must be a positive integer below 2^53")
  return Either.right({ client, sequence: number })
}
