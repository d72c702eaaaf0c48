import { createServer } from "node:net"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Console, Effect, Layer } from "effect"
import type { NodeId } from "../../src/domain/ids.ts"
import { runKv } from "../../src/programs/kv/kvCommand.ts"
import { EXIT } from "../../src/programs/kv/exitCodes.ts"
import type { KvCommand } from "../../src/services/KvNode.ts"
import { fakeKvNode, serveApi } from "../support/fakeKvNode.ts"

const A = "0001" as NodeId
const B = "0002" as NodeId

/** A port nothing listens on: bound, then closed. */
const closedPort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
)

/** Runs kv in-process with its output captured. */
const kv = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const current = yield* Console.consoleWith(Effect.succeed)
    const console: Console.Console = {
      ...current,
      log: (...parts) => Effect.sync(() => void out.push(parts.join(" "))),
      error: (...parts) => Effect.sync(() => void err.push(parts.join(" ")))
    }
    const code = yield* runKv(["node", "kv", ...args]).pipe(
      Effect.withConsole(console),
      Effect.provide(Layer.mergeAll(NodeContext.layer, NodeHttpClient.layer))
    )
    return { code, out: out.join("\n"), err: err.join("\n") }
  })

/** A follower at A that redirects to the leader at B; yields both fakes and their URLs. */
const followerAndLeader = Effect.gen(function* () {
  const addresses = new Map()
  const follower = fakeKvNode(A, { _tag: "Follower", leader: B })
  const leader = fakeKvNode(B)
  const a = yield* serveApi(follower.layer, addresses)
  const b = yield* serveApi(leader.layer, addresses)
  addresses.set(A, a.address)
  addresses.set(B, b.address)
  return { follower, leader, a: a.url, b: b.url }
})

const sessionOf = (command: KvCommand | undefined) => (command !== undefined && command.kind !== "get" ? command.session : undefined)

describe("kv", () => {
  it.scopedLive("follows a follower's redirect to the leader for put, get and del, with exit statuses 0 and 1", () =>
    Effect.gen(function* () {
      const { follower, leader, a } = yield* followerAndLeader
      expect(yield* kv("put", "greeting", "hello world", "--endpoints", a)).toEqual({ code: EXIT.ok, out: "", err: "" })
      expect(leader.store.get("greeting")).toBe("hello world")
      expect(follower.commands).toHaveLength(1)
      const session = sessionOf(leader.commands[0])
      expect(session?.client).toMatch(/^[0-9a-f]{16}$/)
      expect(session?.sequence).toBe(1)
      expect(yield* kv("get", "greeting", "--endpoints", a)).toMatchObject({ code: EXIT.ok, out: "hello world" })
      expect((yield* kv("del", "greeting", "--endpoints", a)).code).toBe(EXIT.ok)
      expect(yield* kv("get", "greeting", "--endpoints", a)).toMatchObject({ code: EXIT.notFound, err: "kv: not found: greeting" })
    }))

  it.scopedLive("tries the next endpoint when one is down", () =>
    Effect.gen(function* () {
      const { leader, b } = yield* followerAndLeader
      const down = `http://127.0.0.1:${yield* closedPort}`
      expect((yield* kv("put", "k", "v", "--endpoints", `${down},${b}`)).code).toBe(EXIT.ok)
      expect(leader.store.get("k")).toBe("v")
    }))

  it.scopedLive("retries an outcome left unknown with the same session, so the put is applied once", () =>
    Effect.gen(function* () {
      const { leader, a } = yield* followerAndLeader
      leader.behaviour = { _tag: "CommittedButUnavailable" }
      expect((yield* kv("put", "k", "v", "--endpoints", a)).code).toBe(EXIT.ok)
      const puts = leader.commands.filter((command) => command.kind === "put")
      expect(puts).toHaveLength(2)
      expect(sessionOf(puts[1])).toEqual(sessionOf(puts[0]))
      expect(leader.applied).toBe(1)
    }))

  it.scopedLive("gives up with status 3 when no node can answer before the deadline", () =>
    Effect.gen(function* () {
      const noLeader = yield* serveApi(fakeKvNode(A, { _tag: "Follower", leader: undefined }).layer, new Map())
      const down = `http://127.0.0.1:${yield* closedPort}`
      const started = Date.now()
      const result = yield* kv("get", "k", "--endpoints", `${noLeader.url},${down}`, "--timeout", "1")
      expect(result.code).toBe(EXIT.unavailable)
      expect(result.err).toMatch(/^kv: unavailable: 127\.0\.0\.1:\d+: (no leader is known|ECONNREFUSED)/)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000)
      expect(Date.now() - started).toBeLessThan(3_000)
    }))

  it.scopedLive("exits 2 on a usage error or a request the node refuses", () =>
    Effect.gen(function* () {
      const { b } = yield* followerAndLeader
      expect((yield* kv("put", "only-a-key")).code).toBe(EXIT.usage)
      const badEndpoint = yield* kv("get", "k", "--endpoints", "ftp://x")
      expect(badEndpoint.code).toBe(EXIT.usage)
      expect(badEndpoint.err.split("\n")[0]).toBe("kv: --endpoints: ftp://x is not an http:// URL")
      const refused = yield* kv("put", "k".repeat(2_000), "v", "--endpoints", b)
      expect(refused.code).toBe(EXIT.usage)
      expect(refused.err).toMatch(/refused \(HTTP 400\): the key is 2000 bytes long/)
    }))

  it.scopedLive("status prints every endpoint's status, an unreachable one included", () =>
    Effect.gen(function* () {
      const { a, b } = yield* followerAndLeader
      const down = `http://127.0.0.1:${yield* closedPort}`
      const result = yield* kv("status", "--endpoints", [a, b, down].join(","))
      expect(result.code).toBe(EXIT.ok)
      const lines = result.out.split("\n")
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatch(new RegExp(`^${a}  ${A}  follower +term 3  leader ${B}  commit 7  applied 7$`))
      expect(lines[1]).toMatch(new RegExp(`^${b}  ${B}  leader +term 3  leader ${B}`))
      expect(lines[2]).toBe(`${down}  unreachable: ECONNREFUSED`)
      expect((yield* kv("status", "--endpoints", down)).code).toBe(EXIT.unavailable)
    }))

  it.scopedLive("refuses --wizard, which would prompt for every option and offer to send the request, with status 2", () =>
    Effect.gen(function* () {
      const { follower, leader, a } = yield* followerAndLeader
      for (const argv of [["--wizard"], ["put", "k", "v", "--endpoints", a, "--wizard"]]) {
        const result = yield* kv(...argv)
        expect(result.code).toBe(EXIT.usage)
        expect(result.out).toBe("")
        const [first, second] = result.err.split("\n")
        expect(first).toBe(`kv: unknown option "--wizard"`)
        expect(second).toMatch(/^usage: kv /)
      }
      expect(follower.commands).toEqual([])
      expect(leader.commands).toEqual([])
    }))

  it.scopedLive("refuses an unknown flag wherever it stands, before sending anything, with status 2", () =>
    Effect.gen(function* () {
      const { follower, a } = yield* followerAndLeader
      for (const argv of [["--bogus", "put", "k", "v", "--endpoints", a], ["put", "--bogus", "k", "v", "--endpoints", a], ["status", "--endpoints", a, "--bogus"]]) {
        const result = yield* kv(...argv)
        expect(result.code).toBe(EXIT.usage)
        expect(result.err.split("\n")[0]).toBe(`kv: unknown option "--bogus"`)
      }
      expect(follower.commands).toEqual([])
    }))

  it.scopedLive("takes a key or value that starts with - after --", () =>
    Effect.gen(function* () {
      const { leader, b } = yield* followerAndLeader
      expect((yield* kv("put", "--endpoints", b, "--", "-k", "-5")).code).toBe(EXIT.ok)
      expect(leader.store.get("-k")).toBe("-5")
    }))

  it.effect("answers --help with plain text: a usage line for each subcommand, their descriptions and the exit statuses", () =>
    Effect.gen(function* () {
      const help = yield* kv("--help")
      expect(help.code).toBe(EXIT.ok)
      expect(help.err).toBe("")
      expect(help.out).not.toContain("\u001b")
      expect(help.out.split("\n").slice(0, 4)).toEqual([
        "usage: kv del [--endpoints URL[,URL...]] [--timeout SECONDS] <KEY>",
        "       kv get [--endpoints URL[,URL...]] [--timeout SECONDS] <KEY>",
        "       kv put [--endpoints URL[,URL...]] [--timeout SECONDS] <KEY> <VALUE>",
        "       kv status [--endpoints URL[,URL...]]"
      ])
      for (const description of ["store VALUE under KEY", "print KEY's value", "delete KEY", "print every endpoint's status"]) {
        expect(help.out).toContain(description)
      }
      expect(help.out).toContain("0 done (get printed the value), 1 get of a key not stored, 2 usage error")
      const putHelp = (yield* kv("put", "-h")).out
      expect(putHelp).toContain("\n--endpoints URL[,URL...]\n")
      expect(putHelp).toContain("\n--timeout SECONDS\n")
      expect(putHelp).not.toContain("A user-defined piece of text")
    }))
})
