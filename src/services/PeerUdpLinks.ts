import type { KeyObject } from "node:crypto"
import { createSocket, type RemoteInfo, type Socket } from "node:dgram"
import { Effect, Layer } from "effect"
import type { ClusterFile } from "../domain/cluster/clusterFile.ts"
import { macContext } from "../domain/cluster/peerDatagram.ts"
import type { NodeId } from "../domain/ids.ts"
import { resolveCluster, sourceKey, type PeerAddress } from "./peerAddresses.ts"
import { PeerLinks, PeerLinksError } from "./PeerLinks.ts"
import { macTag, verify } from "./peerMac.ts"
import { ReplicaLog, reportNow } from "./ReplicaLog.ts"
import { RECEIVE_BUFFER_BYTES } from "./UdpTransport.ts"

export interface PeerUdpOptions {
  readonly cluster: ClusterFile
  /** This node's id: its entry in the cluster file gives the address the socket is bound to. */
  readonly self: NodeId
  /** The shared cluster key (services/clusterKey.ts reads it). */
  readonly key: KeyObject
}

/** A peer with the MAC contexts of both directions, built once rather than per datagram. */
interface Peer extends PeerAddress {
  readonly sendContext: Uint8Array
  readonly receiveContext: Uint8Array
}

/**
 * Datagrams held until someone listens. Only authenticated ones are held, but a peer (or a
 * replayer) can still send faster than a listener arrives: past this, they are dropped.
 */
const EARLY_LIMIT = 1_024

/**
 * The live links between nodes across hosts: one UDP socket bound to this node's peer address,
 * sending `tag ‖ payload` (domain/cluster/peerDatagram.ts) to each peer's. A datagram is
 * accepted only from a listed peer address and only with a tag that verifies for that peer as
 * sender and this node as receiver; anything else is dropped and logged, rate-limited (keyed by
 * the peer, so one noisy peer does not hide another; unknown addresses share one key, so they
 * cannot grow the log's table).
 *
 * Addresses are resolved once, at start, so the socket's lookup is the identity: a send goes
 * out in the call that makes it, not a tick later (see UdpTransport on why that shows).
 *
 * The socket is scoped: closed however the program ends.
 */
export const PeerUdpLinks = (options: PeerUdpOptions): Layer.Layer<PeerLinks, PeerLinksError, ReplicaLog> =>
  Layer.scoped(
    PeerLinks,
    Effect.gen(function* () {
      const log = yield* reportNow
      const report = (key: string, text: string): void => log("warning", key, text)
      const { cluster, self, key } = options
      const resolved = yield* resolveCluster(cluster, self)
      const peers: ReadonlyArray<Peer> = resolved.peers.map((peer) => ({
        ...peer,
        sendContext: macContext(cluster.cluster, self, peer.id),
        receiveContext: macContext(cluster.cluster, peer.id, self)
      }))
      const byId = new Map(peers.map((peer) => [peer.id, peer]))
      const bySource = new Map(peers.map((peer) => [sourceKey(peer.address, peer.port), peer]))

      const early: Array<readonly [NodeId, Uint8Array]> = []
      let deliver = (from: NodeId, payload: Uint8Array): void => {
        if (early.length < EARLY_LIMIT) early.push([from, payload])
      }
      const receive = (datagram: Buffer, source: RemoteInfo): void => {
        const peer = bySource.get(sourceKey(source.address, source.port))
        if (peer === undefined) {
          const from = `${source.address}:${source.port}`
          return report("peer:unknown-address", `dropped a datagram from ${from}, which is no node's peer address`)
        }
        const verified = verify(key, peer.receiveContext, datagram)
        if ("payload" in verified) return deliver(peer.id, verified.payload)
        report(
          `peer:${verified.refused}:${peer.id}`,
          verified.refused === "short"
            ? `dropped a datagram from ${peer.id}: ${datagram.byteLength} bytes, shorter than a MAC`
            : `dropped a datagram from ${peer.id}: its MAC does not verify (another key or cluster, altered, or meant for another node)`
        )
      }

      const socket = yield* Effect.acquireRelease(bound(resolved.family, resolved.self, receive, report), (socket) =>
        Effect.sync(() => socket.close())
      )
      return {
        self,
        peers: peers.map((peer) => peer.id),
        send: (to: NodeId, payload: Uint8Array) => {
          const peer = byId.get(to)
          if (peer === undefined) return report("peer:unknown-peer", `did not send a datagram: no peer is ${to}`)
          socket.send([macTag(key, peer.sendContext, payload), payload], peer.port, peer.address)
        },
        listen: (handler: (from: NodeId, payload: Uint8Array) => void) =>
          Effect.acquireRelease(
            Effect.sync(() => {
              deliver = handler
              for (const [from, payload] of early.splice(0)) handler(from, payload)
            }),
            () => Effect.sync(() => void (deliver = () => undefined))
          )
      }
    })
  )

/**
 * A socket bound to `at`, or the reason it could not be (the port taken, the address not this
 * host's); closed if the wait for the bind is interrupted.
 */
const bound = (
  family: 4 | 6,
  at: PeerAddress,
  receive: (datagram: Buffer, source: RemoteInfo) => void,
  report: (key: string, text: string) => void
): Effect.Effect<Socket, PeerLinksError> =>
  Effect.async<Socket, PeerLinksError>((resume) => {
    const socket = createSocket({
      type: family === 6 ? "udp6" : "udp4",
      recvBufferSize: RECEIVE_BUFFER_BYTES,
      lookup: (hostname, _options, callback) => callback(null, hostname, family)
    })
    const failed = (error: Error): void => {
      socket.close()
      resume(Effect.fail(new PeerLinksError({ reason: `cannot bind ${at.address}:${at.port}: ${error.message}` })))
    }
    socket.once("error", failed)
    socket.on("message", receive)
    socket.bind(at.port, at.address, () => {
      socket.off("error", failed)
      socket.on("error", (error: NodeJS.ErrnoException) => {
        const cause = error.code ?? error.name
        report(`peer-socket:${cause}`, `socket error, datagram lost: ${error.message}`)
      })
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => socket.close())
  })
