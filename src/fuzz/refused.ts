/** Well-formed datagrams a replica must ignore: from or to the wrong party, from an older term, or a client request it has handled. */
import type { RandomStream } from "../domain/randomStream.ts"
import { BROADCAST } from "../domain/ids.ts"
import { encodeMessage } from "../domain/wire/decode.ts"
import type { WireMessage } from "../domain/wire/messages.ts"
import { CLIENTS, type FuzzCluster, REPLICAS } from "./cluster.ts"
import type { Hostile } from "./categories.ts"
import { anyMessage, anyReplica, clientRequest, craftReplicaMessage, pickOf, REPLICA_TYPES, STRANGERS, toText } from "./hostileMaterial.ts"

export const foreignId = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  if (random.float() < 0.5) {
    // Replica traffic from outside the cluster, or from this replica itself.
    const to = anyReplica(random)
    const message = craftReplicaMessage(random, cluster.state(to))
    return { to, bytes: encodeMessage({ ...message, src: random.float() < 0.2 ? to : pickOf(random, STRANGERS) }) }
  }
  // Anything addressed to someone else (only a vote may be broadcast).
  const { to, json } = anyMessage(cluster, random)
  const elsewhere = [...REPLICAS.filter((id) => id !== to), ...STRANGERS].filter((id) => id !== BROADCAST || json["type"] !== "vote")
  return { to, bytes: toText({ ...json, dst: pickOf(random, elsewhere) }) }
}

export const clientAsReplica = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const to = anyReplica(random)
  if (random.float() < 0.5) return { to, bytes: encodeMessage({ ...craftReplicaMessage(random, cluster.state(to)), src: pickOf(random, CLIENTS) }) }
  // And the other way round: a client request claiming to come from a replica.
  return { to, bytes: encodeMessage(clientRequest(random, to, anyReplica(random), `r${random.int(1e9)}`)) }
}

export const wrongDirection = (_: FuzzCluster, random: RandomStream): Hostile => {
  const to = anyReplica(random)
  const src = pickOf(random, [...REPLICAS, ...CLIENTS])
  const messages: ReadonlyArray<WireMessage> = [
    { src, dst: to, leader: BROADCAST, type: "hello" },
    { src, dst: to, leader: anyReplica(random), type: "ok", MID: `o${random.int(100)}`, value: "v" },
    { src, dst: to, leader: anyReplica(random), type: "ok", MID: `o${random.int(100)}` },
    { src, dst: to, leader: BROADCAST, type: "fail", MID: `f${random.int(100)}` },
    { src, dst: to, leader: anyReplica(random), type: "redirect", MID: `r${random.int(100)}` }
  ]
  return { to, bytes: encodeMessage(pickOf(random, messages)) }
}

const STALE_TYPES = REPLICA_TYPES.filter((type) => type !== "probe")

export const staleTerm = (cluster: FuzzCluster, random: RandomStream): Hostile | undefined => {
  const candidates = REPLICAS.filter((id) => cluster.state(id).term > 0)
  if (candidates.length === 0) return undefined
  const to = pickOf(random, candidates)
  const state = cluster.state(to)
  // Not a probe: a leader answers even a stale one with an append, to teach the prober its term (probing.ts).
  const message = craftReplicaMessage(random, state, random.int(state.term), pickOf(random, STALE_TYPES))
  // A refused pre-vote names the voter's own term, which may well be behind ours: that is
  // an answer, not a stale message. Only a grant must carry the term it was asked for.
  const stale = message.type === "voted" && message.pre ? { ...message, granted: true } : message
  return { to, bytes: encodeMessage(stale) }
}

export const replayedClient = (cluster: FuzzCluster, random: RandomStream): Hostile | undefined => {
  const to = anyReplica(random)
  const handled = cluster.handledBy(to)
  const request = handled.get(random.int(handled.size))
  if (request === undefined) return undefined
  // Same MID, so the same request as far as the replica knows, whatever else differs.
  const variant = random.float() < 0.5 ? request : { ...request, key: `k${random.int(20)}`, leader: anyReplica(random) }
  return { to, bytes: encodeMessage(variant) }
}
