/** The raw material of hostile datagrams: ids, honest messages from the run, crafted ones, and JSON text with numbers JSON cannot write. */
import type { RandomStream } from "../../src/domain/randomStream.ts"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { lastIndex, lastTerm } from "../../src/domain/raft/log/log.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import { encodeMessage } from "../../src/domain/wire/decode.ts"
import type { ClientRequest, ReplicaMessage, WireMessage } from "../../src/domain/wire/messages.ts"
import { CLIENTS, type FuzzCluster, REPLICAS, type Sent } from "./cluster.ts"

export type Json = Record<string, unknown>

/** JSON.stringify cannot write these; they are spliced into the text in place of their marker. */
const RAW_NUMBERS = { huge: "1e999", negativeHuge: "-1e999" } as const
export const raw = (name: keyof typeof RAW_NUMBERS) => `@raw:${name}@`
/** A message as its JSON on the wire, where an append's entries have one-letter field names. */
export const wireJson = (message: WireMessage): Json => JSON.parse(encodeMessage(message)) as Json

export const toText = (json: unknown): string =>
  JSON.stringify(json).replace(/"@raw:(\w+)@"/g, (_, name: keyof typeof RAW_NUMBERS) => RAW_NUMBERS[name])

export const pickOf = <A>(random: RandomStream, items: ReadonlyArray<A>): A => random.pick(items) as A
export const peerOf = (random: RandomStream, self: NodeId): NodeId => pickOf(random, REPLICAS.filter((id) => id !== self))
export const anyReplica = (random: RandomStream): NodeId => pickOf(random, REPLICAS)

/** Well-formed ids that are neither a replica of this cluster nor one of its clients. */
export const STRANGERS: ReadonlyArray<NodeId> = ["0005", "0009", "000F", "0010", "0014", "001D", "00FF", "ABCD", "FFFF"].map((id) => id as NodeId)

/** A plausible replica message from a peer of `to`, in `to`'s term unless told otherwise. */
export const craftReplicaMessage = (random: RandomStream, state: RaftState, term = state.term): ReplicaMessage => {
  const self = state.config.self
  const src = peerOf(random, self)
  const last = lastIndex(state.log)
  switch (random.int(4)) {
    case 0:
      return { src, dst: random.float() < 0.5 ? self : BROADCAST, leader: BROADCAST, type: "vote", term, lastIndex: last, lastTerm: lastTerm(state.log), pre: random.float() < 0.5 }
    case 1:
      return { src, dst: self, leader: BROADCAST, type: "voted", term, granted: random.float() < 0.5, pre: random.float() < 0.5 }
    case 2:
      return { src, dst: self, leader: src, type: "append", term, prevIndex: last, prevTerm: lastTerm(state.log), entries: [], commit: state.commitIndex, at: 0, ack: true }
    default:
      return { src, dst: self, leader: self, type: "appended", term, success: true, match: last, conflictIndex: 0, conflictTerm: 0, at: 0 }
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
