/** Datagrams a replica acts on: copies of honest traffic, honest traffic in odd dress, and lies. */
import type { RandomStream } from "../domain/randomStream.ts"
import { BROADCAST } from "../domain/ids.ts"
import { encodeMessage } from "../domain/wire/decode.ts"
import { CLIENTS, type FuzzCluster, REPLICAS, type Sent } from "./cluster.ts"
import type { Hostile } from "./categories.ts"
import {
  anyReplica,
  clientRequest,
  craftReplicaMessage,
  edgeCounter,
  edgeTime,
  honestMessage,
  type Json,
  peerOf,
  pickOf,
  someReplicaMessage,
  STRANGERS,
  toText,
  wireJson
} from "./hostileMaterial.ts"

export const replayedReplica = (cluster: FuzzCluster, random: RandomStream): Hostile | undefined => {
  const sent = honestMessage(cluster, random)
  return sent === undefined ? undefined : { to: sent.to, bytes: encodeMessage(sent.message) }
}

const ODD_STRINGS: ReadonlyArray<string> = ["", "0", " ", "\u0000", "é", "💥", "\"quoted\"", "\\", "k".repeat(3000), "a\nb", "{}", "FFFF"]

/** Honest traffic in unusual dress: extra fields, other key order, spacing, a leader hint, an older send time, odd client content. */
export const mutatedBenign = (cluster: FuzzCluster, random: RandomStream): Hostile | undefined => {
  if (random.float() < 0.3) {
    const to = anyReplica(random)
    const src = random.float() < 0.8 ? pickOf(random, CLIENTS) : pickOf(random, STRANGERS.filter((id) => id !== BROADCAST))
    const request = clientRequest(random, to, src, random.float() < 0.5 ? pickOf(random, ODD_STRINGS) + random.int(1e9) : `b${random.int(1e9)}`)
    const odd = request.type === "put"
      ? { ...request, key: pickOf(random, ODD_STRINGS), value: pickOf(random, ODD_STRINGS) }
      : { ...request, key: pickOf(random, ODD_STRINGS) }
    return { to, bytes: encodeMessage(odd) }
  }
  const sent = honestMessage(cluster, random)
  if (sent === undefined) return undefined
  const { to } = sent
  const json: Json = wireJson(sent.message)
  switch (random.int(5)) {
    case 0:
      // defineProperty, so that "__proto__" becomes a key of the text and not this object's prototype.
      Object.defineProperty(json, pickOf(random, ["x", "extra", "__proto__", "constructor", "MID"]), {
        value: pickOf(random, [1, "s", null, { nested: [1] }, []]),
        enumerable: true
      })
      break
    case 1:
      json["leader"] = pickOf(random, [...REPLICAS, BROADCAST])
      break
    case 2:
      if (typeof json["at"] === "number") json["at"] = (json["at"] as number) - random.int(5_000)
      if (typeof json["ack"] === "boolean") json["ack"] = !json["ack"]
      break
    case 3: {
      const shuffled = random.shuffle(Object.keys(json))
      return { to, bytes: JSON.stringify(Object.fromEntries(shuffled.map((key) => [key, json[key]]))) }
    }
    default:
      return { to, bytes: JSON.stringify(json, null, pickOf(random, [1, 2, "\t"])) }
  }
  return { to, bytes: toText(json) }
}

/** A number near the true one half the time (the lies that pass for truth), else one at the edges. */
const forgedNumber = (random: RandomStream, field: string, current: number, now: number): unknown => {
  if (field === "at") return random.float() < 0.5 ? now - random.int(5_000) : edgeTime(random, now)
  return random.float() < 0.5 ? pickOf(random, [current + 1 + random.int(3), Math.max(0, current - 1 - random.int(3)), random.int(1_000)]) : edgeCounter(random, current)
}

/** Another list where a list was: log entries up to two terms ahead, a snapshot's pairs with a value changed or a key lost, other requests. */
const forgedList = (random: RandomStream, field: string, json: Json): unknown => {
  const list = json[field] as ReadonlyArray<unknown>
  switch (field) {
    case "pairs": {
      const pairs = list as ReadonlyArray<readonly [string, string]>
      const victim = random.int(Math.max(pairs.length, 1))
      return random.float() < 0.5
        ? pairs.map(([key, value], i) => (i === victim ? [key, `${value}forged`] : [key, value]))
        : [...pairs.filter((_, i) => i !== victim), [`k${random.int(20)}`, "forged"]]
    }
    case "mids":
      return Array.from({ length: random.int(4) }, () => `${pickOf(random, CLIENTS)}z${random.int(1e9)}`)
    default: {
      const top = (json["term"] as number) + random.int(3)
      return Array.from({ length: random.int(4) }, () => ({ t: random.int(top + 1), k: `k${random.int(20)}`, v: "forged", c: pickOf(random, CLIENTS), m: `z${random.int(1e9)}` }))
    }
  }
}

/**
 * A peer lying: about terms, logs, commit indexes, votes, acknowledgements, snapshots or send
 * times. Built on an honest message from the run, or now and then on a crafted one, so that
 * every replica message type is among them.
 */
export const forged = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, message } = random.float() < 0.3 ? crafted(cluster, random) : someReplicaMessage(cluster, random)
  const json: Json = wireJson(message)
  const lies = 1 + random.int(3)
  for (let i = 0; i < lies; i++) {
    const field = pickOf(random, Object.keys(json).filter((f) => !["src", "dst", "leader", "type"].includes(f)))
    const value = json[field]
    if (typeof value === "number") json[field] = forgedNumber(random, field, value, cluster.now)
    else if (typeof value === "boolean") json[field] = !value
    else if (Array.isArray(value)) json[field] = forgedList(random, field, json)
  }
  // Now and then the lie also claims to come from another peer.
  if (random.float() < 0.2) json["src"] = peerOf(random, to)
  return { to, bytes: toText(json) }
}

const crafted = (cluster: FuzzCluster, random: RandomStream): Sent => {
  const to = anyReplica(random)
  return { to, message: craftReplicaMessage(random, cluster.state(to)) }
}
