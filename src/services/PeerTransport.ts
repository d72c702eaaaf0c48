import { Effect, Layer } from "effect"
import { BROADCAST, type NodeId } from "../domain/ids.ts"
import { peekDst } from "../domain/wire/peekDst.ts"
import { PeerLinks } from "./PeerLinks.ts"
import { ReplicaLog, reportNow } from "./ReplicaLog.ts"
import { Transport } from "./Transport.ts"

/**
 * The Transport of a node in a cluster: a datagram goes to the peer its `dst` names. FFFF goes
 * to every other node, as the harness routes it: the replica broadcasts its vote requests and
 * its hello, and a vote request is the same message to each peer.
 *
 * A `dst` that names no peer (a client's id, this node's own, none at all) is dropped and
 * logged, rate-limited: clients are not reached over this transport, and a program that also
 * serves clients routes their answers before they get here.
 */
export const PeerTransport: Layer.Layer<Transport, never, PeerLinks | ReplicaLog> = Layer.effect(
  Transport,
  Effect.gen(function* () {
    const links = yield* PeerLinks
    const report = yield* reportNow
    const peers = new Set<NodeId>(links.peers)
    const utf8 = new TextEncoder()
    return {
      send: (datagram: string) => {
        const dst = peekDst(datagram)
        if (dst === BROADCAST) {
          const bytes = utf8.encode(datagram)
          for (const peer of links.peers) links.send(peer, bytes)
        } else if (dst !== undefined && peers.has(dst)) {
          links.send(dst, utf8.encode(datagram))
        } else {
          const why = dst === undefined ? "it has no dst" : `no peer is ${dst}`
          report("warning", "peer:unknown-dst", `did not send a datagram: ${why}`)
        }
      },
      listen: (deliver: (datagram: Uint8Array) => void) => links.listen((_from, payload) => deliver(payload))
    }
  })
)
