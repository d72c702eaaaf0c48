import { HttpServer } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { Address } from "../../src/domain/cluster/clusterFile.ts"
import type { NodeId } from "../../src/domain/ids.ts"
import { HttpApi } from "../../src/services/http/HttpApi.ts"
import { type KvCommand, KvNode, type KvOutcome, type KvStatus } from "../../src/services/KvNode.ts"

export type Behaviour =
  | { readonly _tag: "Leader" }
  | { readonly _tag: "Follower"; readonly leader: NodeId | undefined }
  /** Applies the command, then answers Unavailable, as a leader that lost its term after committing. */
  | { readonly _tag: "CommittedButUnavailable" }
  | { readonly _tag: "Unavailable" }

/**
 * A node with an in-memory store that records every command it is given. A put or delete with a
 * session it has applied already is answered without being applied again, as the real node does.
 */
export const fakeKvNode = (id: NodeId, initial: Behaviour = { _tag: "Leader" }) => {
  const fake = {
    behaviour: initial,
    store: new Map<string, string>(),
    commands: [] as Array<KvCommand>,
    applied: 0,
    layer: undefined as unknown as Layer.Layer<KvNode>
  }
  const seen = new Set<string>()
  const apply = (command: KvCommand): string | undefined => {
    if (command.kind === "get") return fake.store.get(command.key)
    const session = command.session === undefined ? undefined : `${command.session.client}/${command.session.sequence}`
    if (session !== undefined && seen.has(session)) return undefined
    if (session !== undefined) seen.add(session)
    fake.applied++
    if (command.kind === "put") fake.store.set(command.key, command.value)
    else fake.store.delete(command.key)
    return undefined
  }
  const submit = (command: KvCommand): KvOutcome => {
    fake.commands.push(command)
    const behaviour = fake.behaviour
    switch (behaviour._tag) {
      case "Leader": {
        const value = apply(command)
        return value === undefined ? { _tag: "Done" } : { _tag: "Done", value }
      }
      case "Follower":
        return { _tag: "NotLeader", leader: behaviour.leader }
      case "CommittedButUnavailable":
        apply(command)
        fake.behaviour = { _tag: "Leader" }
        return { _tag: "Unavailable", reason: "leadership lost" }
      case "Unavailable":
        return { _tag: "Unavailable", reason: "no quorum" }
    }
  }
  fake.layer = Layer.succeed(KvNode, {
    submit: (command) => Effect.sync(() => submit(command)),
    status: Effect.sync((): KvStatus => ({
      id,
      role: fake.behaviour._tag === "Follower" ? "follower" : "leader",
      term: 3,
      leader: fake.behaviour._tag === "Follower" ? fake.behaviour.leader : id,
      commitIndex: 7 + fake.applied,
      appliedIndex: 7 + fake.applied
    }))
  })
  return fake
}

/** Serves the client API for `node` on an ephemeral port of 127.0.0.1; yields its base URL and address. */
export const serveApi = (node: Layer.Layer<KvNode>, addresses: ReadonlyMap<NodeId, Address>) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(HttpApi({ listen: { host: "127.0.0.1", port: 0 }, addresses }).pipe(Layer.provide(node)))
    const server = yield* Effect.provide(HttpServer.HttpServer, context)
    if (server.address._tag !== "TcpAddress") return yield* Effect.die("expected a TCP address")
    const address: Address = { host: "127.0.0.1", port: server.address.port }
    return { url: `http://127.0.0.1:${address.port}`, address }
  })
