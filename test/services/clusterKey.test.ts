import { createHmac } from "node:crypto"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { loadClusterKey } from "../../src/services/clusterKey.ts"

const HEX = "0123456789abcdef".repeat(4)

const mac = (key: Parameters<typeof createHmac>[1]): string => createHmac("sha256", key).update("x").digest("hex")

/** A directory for the test's files, removed with the scope. */
const directory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "cluster-key-"))),
  (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
)

const withEnv = (variables: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(variables))))

describe("loadClusterKey", () => {
  it.scopedLive("reads hex from a file named relative to the cluster file's directory, or from the environment", () =>
    Effect.gen(function* () {
      const dir = yield* directory
      yield* Effect.promise(() => writeFile(join(dir, "cluster.key"), `${HEX.toUpperCase()}\n`))
      const fromFile = yield* loadClusterKey({ file: "cluster.key" }, dir)
      expect(mac(fromFile)).toBe(mac(Buffer.from(HEX, "hex")))
      const fromEnv = yield* loadClusterKey({ env: "KV_KEY" }, "/nowhere").pipe(withEnv({ KV_KEY: ` ${HEX} ` }))
      expect(mac(fromEnv)).toBe(mac(Buffer.from(HEX, "hex")))
    })
  )

  it.scopedLive("says what is wrong without repeating the key: no file, no variable, not hex, too short", () =>
    Effect.gen(function* () {
      const dir = yield* directory
      const missing = yield* Effect.flip(loadClusterKey({ file: "absent.key" }, dir))
      expect(missing.reason).toContain("cannot read the key file absent.key: ENOENT")
      const unset = yield* Effect.flip(loadClusterKey({ env: "KV_KEY" }, dir).pipe(withEnv({})))
      expect(unset.reason).toBe("the environment variable KV_KEY is not set")
      const notHex = `${HEX.slice(1)}g`
      const bad = yield* Effect.flip(loadClusterKey({ env: "KV_KEY" }, dir).pipe(withEnv({ KV_KEY: notHex })))
      expect(bad.reason).toBe("the environment variable KV_KEY does not hold a key in hex")
      const short = HEX.slice(0, 62)
      yield* Effect.promise(() => writeFile(join(dir, "short.key"), short))
      const tooShort = yield* Effect.flip(loadClusterKey({ file: "short.key" }, dir))
      expect(tooShort.reason).toBe("the key in the key file short.key has 31 bytes; it needs at least 32")
      for (const error of [bad, tooShort]) expect(error.reason).not.toContain(HEX.slice(2, 12))
    })
  )
})
