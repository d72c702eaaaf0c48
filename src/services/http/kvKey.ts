import { Either } from "effect"
import { utf8Bytes } from "../../domain/wire/datagramSize.ts"
import { MAX_KEY_BYTES } from "./limits.ts"

const PREFIX = "/kv/"

/**
 * The key a `/kv/…` URL names: everything after the prefix up to any query, percent-decoded,
 * so `/kv/users/42` is the key `users/42` and `/kv/a%2Fb%20c` the key `a/b c`.
 * The error is the message the client gets with its 400.
 */
export const keyFromUrl = (url: string): Either.Either<string, string> => {
  const path = url.split("?", 1)[0]!
  const encoded = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : ""
  if (encoded === "") return Either.left(`the key is empty: use /kv/<key>`)
  let key: string
  try {
    key = decodeURIComponent(encoded)
  } catch {
    return Either.left(`the key is not valid percent-encoded UTF-8`)
  }
  const bytes = utf8Bytes(key)
  if (bytes > MAX_KEY_BYTES) return Either.left(`the key is ${bytes} bytes long; at most ${MAX_KEY_BYTES} are allowed`)
  return Either.right(key)
}
