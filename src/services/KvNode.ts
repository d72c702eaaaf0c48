import { Context, type Effect } from "effect"
import type { NodeId } from "../domain/ids.ts"

/**
 * A client's command to the store, as cluster mode's client API hands it to the local node.
 * `session` makes a retried put or delete take effect once (Raft thesis §6.3): the same client
 * and sequence number name the same request however often it is sent.
 */
export type KvCommand =
  | { readonly kind: "get"; readonly key: string }
  | { readonly kind: "put"; readonly key: string; readonly value: string; readonly session?: KvSession }
  | { readonly kind: "delete"; readonly key: string; readonly session?: KvSession }

export interface KvSession {
  readonly client: string
  readonly sequence: number
}

/** What became of a command at this node. */
export type KvOutcome =
  /** Committed (put, delete) or read linearizably (get); `value` is absent for a key not stored. */
  | { readonly _tag: "Done"; readonly value?: string }
  /** This node does not lead; `leader` is the one it believes in, if any. */
  | { readonly _tag: "NotLeader"; readonly leader: NodeId | undefined }
  /** The outcome is unknown (the node lost leadership or gave up waiting); the client may retry with the same session. */
  | { readonly _tag: "Unavailable"; readonly reason: string }

export interface KvStatus {
  readonly id: NodeId
  readonly role: "follower" | "precandidate" | "candidate" | "leader"
  readonly term: number
  readonly leader: NodeId | undefined
  readonly commitIndex: number
  readonly appliedIndex: number
}

/**
 * The node as its client API sees it: the seam between the HTTP server and the replica shell.
 * The live layer feeds commands into the same `step` the harness wiring runs; tests of the API
 * provide a fake.
 */
export class KvNode extends Context.Tag("KvNode")<
  KvNode,
  {
    readonly submit: (command: KvCommand) => Effect.Effect<KvOutcome>
    readonly status: Effect.Effect<KvStatus>
  }
>() {}
