import { Schema } from "effect"
import { NodeId } from "../ids.ts"

/**
 * Every datagram this replica sends or accepts, as Schemas. The JSON field `type` is the
 * discriminator; `src`, `dst` and `leader` are on every message because the harness
 * rejects any replica datagram without them and learns who leads from `leader`.
 * Replica-to-replica messages use short field names: every byte crosses the harness.
 */
const Envelope = { src: NodeId, dst: NodeId, leader: NodeId } as const

/**
 * The largest term or index a datagram may carry: far above anything a run reaches (a term per
 * election, an index per put), and far enough below 2^53 that every value a replica can hold
 * has an exact successor, so a term adopted from a peer can always be campaigned past.
 */
export const MAX_COUNTER = 2 ** 50
const Term = Schema.Number.pipe(Schema.int(), Schema.between(0, MAX_COUNTER))
const Index = Schema.Number.pipe(Schema.int(), Schema.between(0, MAX_COUNTER))
/**
 * A sender's clock reading, echoed back. Finite: "1e999" is valid JSON that parses to
 * Infinity, which JSON.stringify writes back as null, so echoing it would send a datagram
 * no peer can decode (and an infinite acknowledged send time would make a lease endless).
 */
const SendTime = Schema.Finite

export const Hello = Schema.Struct({ ...Envelope, type: Schema.Literal("hello") })

export const Get = Schema.Struct({ ...Envelope, type: Schema.Literal("get"), MID: Schema.String, key: Schema.String })
export const Put = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("put"),
  MID: Schema.String,
  key: Schema.String,
  value: Schema.String
})
export const Ok = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("ok"),
  MID: Schema.String,
  value: Schema.optional(Schema.String)
})
export const Fail = Schema.Struct({ ...Envelope, type: Schema.Literal("fail"), MID: Schema.String })
export const Redirect = Schema.Struct({ ...Envelope, type: Schema.Literal("redirect"), MID: Schema.String })

/**
 * A log entry: a put with the client request it answers, or a leader's no-op (§8). Its fields
 * go on the wire under one-letter names (`t`, `k`, `v`, `c`, `m`): an append carries up to a
 * datagram of entries, and readable names would take a fair share of each one's bytes.
 * Decoding renames them; encoding an append renames them back (wireForm.ts).
 */
export const Entry = Schema.Struct({
  term: Schema.propertySignature(Term).pipe(Schema.fromKey("t")),
  key: Schema.optional(Schema.String).pipe(Schema.fromKey("k")),
  value: Schema.optional(Schema.String).pipe(Schema.fromKey("v")),
  client: Schema.optional(NodeId).pipe(Schema.fromKey("c")),
  MID: Schema.optional(Schema.String).pipe(Schema.fromKey("m"))
})
export type Entry = typeof Entry.Type

/** RequestVote (§5.2), or a pre-vote (thesis §9.6) when `pre` is set: `term` is then the term the sender would campaign in. */
export const Vote = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("vote"),
  term: Term,
  lastIndex: Index,
  lastTerm: Term,
  pre: Schema.Boolean
})

export const Voted = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("voted"),
  term: Term,
  granted: Schema.Boolean,
  pre: Schema.Boolean
})

/**
 * AppendEntries (§5.3). `at` is the leader's clock when it sent this, echoed back so the
 * leader can anchor its read lease to a send time a quorum acknowledged. `ack` asks for a
 * reply even when nothing was appended: idle heartbeats are otherwise silent.
 */
export const Append = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("append"),
  term: Term,
  prevIndex: Index,
  prevTerm: Term,
  entries: Schema.Array(Entry),
  commit: Index,
  at: SendTime,
  ack: Schema.Boolean
})

/**
 * The reply to an append. On success `match` is the follower's last index known to match
 * the leader; on rejection `conflictIndex`/`conflictTerm` let the leader skip a whole
 * term of mismatched entries per round trip instead of one entry.
 */
export const Appended = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("appended"),
  term: Term,
  success: Schema.Boolean,
  match: Index,
  conflictIndex: Index,
  conflictTerm: Term,
  at: SendTime
})

/**
 * InstallSnapshot (§7), one chunk per datagram. The snapshot is the state machine as of the
 * entry (`lastIndex`, `lastTerm`), read as one sequence of items: every key/value pair, then
 * each applied put's client id and MID, joined (stateMachine.ts's `requestKey`), oldest
 * first. `offset` is the position of this chunk's first item (its pairs, then its MIDs) in
 * that sequence; `done` marks the chunk that ends it. Chunks are bounded in bytes, so a
 * snapshot of any size crosses in datagrams the network can carry.
 */
export const Install = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("install"),
  term: Term,
  lastIndex: Index,
  lastTerm: Term,
  offset: Index,
  pairs: Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  mids: Schema.Array(Schema.String),
  done: Schema.Boolean,
  at: SendTime
})

/**
 * The reply to an install chunk. `offset` is how many items of the snapshot at `lastIndex`
 * the follower holds, so the leader sends the chunk that starts there; `done` says the
 * follower's state now includes everything through `lastIndex`. `at` is echoed as in appended.
 */
export const Installed = Schema.Struct({
  ...Envelope,
  type: Schema.Literal("installed"),
  term: Term,
  lastIndex: Index,
  offset: Index,
  done: Schema.Boolean,
  at: SendTime
})

/**
 * A follower holding a client request asks its leader to show it is alive (clients.ts): the
 * leader answers with an append, which releases the request as a redirect to it.
 */
export const Probe = Schema.Struct({ ...Envelope, type: Schema.Literal("probe"), term: Term })

export const ClientRequest = Schema.Union(Get, Put)
export const ReplicaMessage = Schema.Union(Vote, Voted, Append, Appended, Install, Installed, Probe)
export const WireMessage = Schema.Union(Hello, Get, Put, Ok, Fail, Redirect, Vote, Voted, Append, Appended, Install, Installed, Probe)

export type Hello = typeof Hello.Type
export type Get = typeof Get.Type
export type Put = typeof Put.Type
export type Ok = typeof Ok.Type
export type Fail = typeof Fail.Type
export type Redirect = typeof Redirect.Type
export type Vote = typeof Vote.Type
export type Voted = typeof Voted.Type
export type Append = typeof Append.Type
export type Appended = typeof Appended.Type
export type Install = typeof Install.Type
export type Installed = typeof Installed.Type
export type Probe = typeof Probe.Type
export type ClientRequest = typeof ClientRequest.Type
export type ReplicaMessage = typeof ReplicaMessage.Type
export type WireMessage = typeof WireMessage.Type
