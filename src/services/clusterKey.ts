import { createSecretKey, type KeyObject } from "node:crypto"
import { readFile } from "node:fs/promises"
import { resolve } from "node:path"
import { Config, Effect, Redacted } from "effect"
import { ReasonError } from "../domain/reasonError.ts"
import type { KeySource } from "../domain/cluster/clusterFile.ts"

/** HMAC-SHA-256's own output size: a shorter key is weaker than the MAC (RFC 2104, section 3). */
export const MIN_KEY_BYTES = 32

/** Why the key could not be had. Never holds the key's text, since it ends up in a log. */
export class ClusterKeyError extends ReasonError("ClusterKeyError") {}

/**
 * The cluster key from where the cluster file says it is: a file, whose relative path is taken
 * from the cluster file's directory (so the two can be moved together), or an environment
 * variable (read through Effect's Config, so a test can provide it). Either way the key is
 * written in hex, at least MIN_KEY_BYTES of it, surrounding whitespace ignored
 * (`openssl rand -hex 32` makes one). It comes back as a KeyObject, which prints as nothing.
 */
export const loadClusterKey = (source: KeySource, clusterFileDirectory: string): Effect.Effect<KeyObject, ClusterKeyError> =>
  "file" in source
    ? Effect.tryPromise({
        try: () => readFile(resolve(clusterFileDirectory, source.file), "utf8"),
        catch: (error) => new ClusterKeyError({ reason: `cannot read the key file ${source.file}: ${error instanceof Error ? error.message : String(error)}` })
      }).pipe(Effect.flatMap((text) => fromHex(text, `key file ${source.file}`)))
    : Config.redacted(source.env).pipe(
        Effect.mapError(() => new ClusterKeyError({ reason: `the environment variable ${source.env} is not set` })),
        Effect.flatMap((text) => fromHex(Redacted.value(text), `environment variable ${source.env}`))
      )

const fromHex = (text: string, where: string): Effect.Effect<KeyObject, ClusterKeyError> => {
  const hex = text.trim()
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    return Effect.fail(new ClusterKeyError({ reason: `the ${where} does not hold a key in hex` }))
  }
  if (hex.length / 2 < MIN_KEY_BYTES) {
    return Effect.fail(new ClusterKeyError({ reason: `the key in the ${where} has ${hex.length / 2} bytes; it needs at least ${MIN_KEY_BYTES}` }))
  }
  return Effect.succeed(createSecretKey(Buffer.from(hex, "hex")))
}
