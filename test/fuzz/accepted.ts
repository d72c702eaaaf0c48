/** Datagrams a replica acts on: copies of honest traffic, honest traffic in odd dress, and lies. */
import type { RandomStream } from "../../src/domain/randomStream.ts"
import { BROADCAST } from "../../src/domain/ids.ts"
import { encodeMessage } from "../../src/domain/wire/decode.ts"
import { CLIENTS, type FuzzCluster, REPLICAS } from "./cluster.ts"
import type { Hostile } from "./categories.ts"
import { anyReplica, clientRequest, honestMessage, type Json, peerOf, pickOf, raw, someReplicaMessage, STRANGERS, toText, wireJson } from "./hostileMaterial.ts"

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

const forgedNumber = (random: RandomStream, current: number): unknown =>
  pickOf(random, [current + 1 + random.int(3), Math.max(0, current - 1 - random.int(3)), random.int(1_000), 2 ** 31, Number.MAX_SAFE_INTEGER])

/** A peer lying: about terms, logs, commit indexes, votes, acknowledgements or send times. */
export const forged = (cluster: FuzzCluster, random: RandomStream): Hostile => {
  const { to, message } = someReplicaMessage(cluster, random)
  const json: Json = wireJson(message)
  const lies = 1 + random.int(3)
  for (let i = 0; i < lies; i++) {
    const field = pickOf(random, Object.keys(json).filter((f) => !["src", "dst", "leader", "type"].includes(f)))
    const value = json[field]
    if (typeof value === "number") json[field] = field === "at" ? pickOf(random, [1e308, -1e308, raw("huge"), raw("negativeHuge"), 0]) : forgedNumber(random, value)
    else if (typeof value === "boolean") json[field] = !value
    else if (Array.isArray(value)) {
      const top = (json["term"] as number) + random.int(3)
      json[field] = Array.from({ length: random.int(4) }, () => ({ t: random.int(top + 1), k: `k${random.int(20)}`, v: "forged", c: pickOf(random, CLIENTS), m: `z${random.int(1e9)}` }))
    }
  }
  // Now and then the lie also claims to come from another peer.
  if (random.float() < 0.2) json["src"] = peerOf(random, to)
  return { to, bytes: toText(json) }
}
