/** The raw material of hostile datagrams: ids, honest messages from the run, crafted ones, and JSON text with numbers JSON cannot write. */
import type { RandomStream } from "../domain/randomStream.ts"
import { BROADCAST, type NodeId } from "../domain/ids.ts"
import { lastIndex, lastTerm, termAt } from "../domain/raft/log/log.ts"
import { imageOf } from "../domain/raft/log/snapshot.ts"
import type { RaftState } from "../domain/raft/state.ts"
import { MAX_TERM_JUMP } from "../domain/raft/step.ts"
import { encodeMessage } from "../domain/wire/decode.ts"
import { type ClientRequest, MAX_COUNTER, type ReplicaMessage, type WireMessage } from "../domain/wire/messages.ts"
import { CLIENTS, type FuzzCluster, REPLICAS, type Sent } from "./cluster.ts"

export type Json = Record<string, unknown>

/** JSON.stringify cannot write these; they are spliced into the text in place of their marker. */
const RAW_NUMBERS = { huge: "1e999", negativeHuge: "-1e999", negativeZero: "-0" } as const
export const raw = (name: keyof typeof RAW_NUMBERS) => `@raw:${name}@`
/** A message as its JSON on the wire, where an append's entries have one-letter field names. */
export const wireJson = (message: WireMessage): Json => JSON.parse(encodeMessage(message)) as Json

export const toText = (json: unknown): string =>
  JSON.stringify(json).replace(/"@raw:(\w+)@"/g, (_, name: keyof typeof RAW_NUMBERS) => RAW_NUMBERS[name])

export const pickOf = <A>(random: RandomStream, items: ReadonlyArray<A>): A => random.pick(items) as A
export const peerOf = (random: RandomStream, self: NodeId): NodeId => pickOf(random, REPLICAS.filter((id) => id !== self))
export const anyReplica = (random: RandomStream): NodeId => pickOf(random, REPLICAS)

/** What a sloppy or hostile encoder writes where a number belongs: NaN, the infinities, hex, nothing. */
const NUMBER_LIKE_STRINGS: ReadonlyArray<string> = ["NaN", "Infinity", "-Infinity", "1e999", "", "0x10", "1_000", "2e0"]

/**
 * A term or index at the edges: zero, the current one, a jump just within the step's bound and
 * just past it, the wire's limit and just past it, 2^31, 2^53 − 1, infinity, minus zero, a
 * negative, or a string that looks like a number.
 */
export const edgeCounter = (random: RandomStream, current: number): unknown =>
  pickOf(random, [
    0,
    current,
    current + MAX_TERM_JUMP,
    current + MAX_TERM_JUMP + 1,
    MAX_COUNTER,
    MAX_COUNTER + 1,
    2 ** 31,
    Number.MAX_SAFE_INTEGER,
    raw("huge"),
    raw("negativeZero"),
    -1,
    pickOf(random, NUMBER_LIKE_STRINGS)
  ])

/**
 * A send time at the edges: zero, now, a little or very far in the future, far in the past,
 * ±1e308, ±(2^53 − 1), ±infinity, minus zero, or a string that looks like a number.
 */
export const edgeTime = (random: RandomStream, now: number): unknown =>
  pickOf(random, [
    0,
    now,
    now + 1 + random.int(1_000),
    now + 1e9,
    now - random.int(1e6),
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    raw("huge"),
    raw("negativeHuge"),
    raw("negativeZero"),
    pickOf(random, NUMBER_LIKE_STRINGS)
  ])

/** Well-formed ids that are neither a replica of this cluster nor one of its clients. */
export const STRANGERS: ReadonlyArray<NodeId> = ["0005", "0009", "000F", "0010", "0014", "001D", "00FF", "ABCD", "FFFF"].map((id) => id as NodeId)

export const REPLICA_TYPES: ReadonlyArray<ReplicaMessage["type"]> = ["vote", "voted", "append", "appended", "install", "installed", "probe"]

/**
 * A plausible replica message from a peer of `to`, in `to`'s term unless told otherwise. A
 * snapshot offered is `to`'s own state machine, a little way past its commit index, with a few
 * of the requests it remembers: close enough to the truth to be taken.
 */
export const craftReplicaMessage = (
  random: RandomStream,
  state: RaftState,
  term = state.term,
  type: ReplicaMessage["type"] = pickOf(random, REPLICA_TYPES)
): ReplicaMessage => {
  const self = state.config.self
  const src = peerOf(random, self)
  const last = lastIndex(state.log)
  switch (type) {
    case "vote":
      return { src, dst: random.float() < 0.5 ? self : BROADCAST, leader: BROADCAST, type, term, lastIndex: last, lastTerm: lastTerm(state.log), pre: random.float() < 0.5 }
    case "voted":
      return { src, dst: self, leader: BROADCAST, type, term, granted: random.float() < 0.5, pre: random.float() < 0.5 }
    case "append":
      return { src, dst: self, leader: src, type, term, prevIndex: last, prevTerm: lastTerm(state.log), entries: [], commit: state.commitIndex, at: 0, ack: true }
    case "appended":
      return { src, dst: self, leader: self, type, term, success: true, match: last, conflictIndex: 0, conflictTerm: 0, at: 0 }
    case "install": {
      const image = imageOf(state.machine)
      const through = state.commitIndex + random.int(4)
      const mids = image.mids.slice(image.mids.length - random.int(8))
      return { src, dst: self, leader: src, type, term, lastIndex: through, lastTerm: termAt(state.log, through) ?? term, offset: 0, pairs: image.pairs, mids, done: random.float() < 0.8, at: 0 }
    }
    case "installed":
      return { src, dst: self, leader: self, type, term, lastIndex: state.commitIndex, offset: random.int(50), done: random.float() < 0.5, at: 0 }
    case "probe":
      return { src, dst: self, leader: self, type, term }
  }
}

/**
 * An honest message from the recent past, if one can be found. Not one from or to a replica
 * that is cut off: a copy must not cross the partition the original could not, or a leader cut
 * off to force an election would keep its followers' timers reset.
 */
export const honestMessage = (cluster: FuzzCluster, random: RandomStream): Sent | undefined => {
  for (let tries = 0; tries < 8; tries++) {
    const sent = cluster.pool.get(random.int(cluster.pool.size))
    if (sent === undefined) return undefined
    if (sent.to !== cluster.isolated && sent.message.src !== cluster.isolated) return sent
  }
  return undefined
}

/** An honest message, or a crafted one (which may well be a lie) where the datagram is to be broken or refused anyway. */
export const someReplicaMessage = (cluster: FuzzCluster, random: RandomStream): Sent => {
  const honest = honestMessage(cluster, random)
  if (honest !== undefined) return honest
  const to = anyReplica(random)
  return { to, message: craftReplicaMessage(random, cluster.state(to)) }
}

export const clientRequest = (random: RandomStream, to: NodeId, src: NodeId, mid: string): ClientRequest =>
  random.float() < 0.5
    ? { src, dst: to, leader: BROADCAST, type: "get", MID: mid, key: `k${random.int(20)}` }
    : { src, dst: to, leader: BROADCAST, type: "put", MID: mid, key: `k${random.int(20)}`, value: random.alphanumeric(8) }

/** Some valid message, as a JSON object to break. */
export const anyMessage = (cluster: FuzzCluster, random: RandomStream): { readonly to: NodeId; readonly json: Json } => {
  if (random.float() < 0.7) {
    const { to, message } = someReplicaMessage(cluster, random)
    return { to, json: wireJson(message) }
  }
  const to = anyReplica(random)
  return { to, json: { ...clientRequest(random, to, pickOf(random, CLIENTS), `x${random.int(1e9)}`) } }
}
