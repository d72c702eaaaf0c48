import { createHmac, type KeyObject } from "node:crypto"
import { createSocket, type Socket } from "node:dgram"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import type { ClusterFile } from "../../src/domain/cluster/clusterFile.ts"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { resolveCluster } from "../../src/services/peerAddresses.ts"
import { PeerLinks } from "../../src/services/PeerLinks.ts"
import { PeerTransport } from "../../src/services/PeerTransport.ts"
import { PeerUdpLinks } from "../../src/services/PeerUdpLinks.ts"
import { Transport } from "../../src/services/Transport.ts"
import { bytes, clusterOn, collect, count, eventually, hello, localCluster, recordingLog, testKey } from "../support/peers.ts"

const A = "0000" as NodeId
const B = "0001" as NodeId
const C = "0002" as NodeId

type Log = ReturnType<typeof recordingLog>

const startLinks = (cluster: ClusterFile, self: NodeId, key: KeyObject, log: Log) =>
  Effect.map(Layer.build(PeerUdpLinks({ cluster, self, key }).pipe(Layer.provide(log.layer))), (context) =>
    Context.get(context, PeerLinks)
  )

const startTransport = (cluster: ClusterFile, self: NodeId, key: KeyObject, log: Log) =>
  Effect.map(
    Layer.build(PeerTransport.pipe(Layer.provide(PeerUdpLinks({ cluster, self, key })), Layer.provide(log.layer))),
    (context) => Context.get(context, Transport)
  )

/**
 * A tag made as docs/cluster-transport.md describes it, written out here rather than taken from
 * the source, so that a change to the format fails this test until the document follows.
 */
const forge = (key: KeyObject, cluster: string, from: NodeId, to: NodeId, payload: string): Buffer => {
  const body = Buffer.from(payload)
  const tag = createHmac("sha256", key).update(`raft-kv peer v1\0${cluster}\0${from}${to}`).update(body).digest()
  return Buffer.concat([tag, body])
}

/** A bare UDP socket: an attacker at a node's address, or a stranger at an address of its own. */
const rawSocket = (port: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly socket: Socket; readonly received: Array<Buffer> }>((resume) => {
      const socket = createSocket("udp4")
      const received: Array<Buffer> = []
      socket.on("message", (datagram) => void received.push(datagram))
      socket.bind(port, "127.0.0.1", () => resume(Effect.succeed({ socket, received })))
    }),
    ({ socket }) => Effect.sync(() => socket.close())
  )

const sendRaw = (socket: Socket, datagram: Uint8Array, port: number) =>
  Effect.async<void>((resume) => socket.send(datagram, port, "127.0.0.1", () => resume(Effect.void)))

describe("PeerUdpLinks", () => {
  it.scopedLive("three nodes on 127.0.0.1 exchange datagrams through Transport: unicast, broadcast to the others, a near-full-size one", () =>
    Effect.gen(function* () {
      const { cluster, key, log } = yield* localCluster(3)
      const [a, b, c] = yield* Effect.all([A, B, C].map((id) => startTransport(cluster, id, key, log)))
      const received = new Map<NodeId, Array<string>>([[A, []], [B, []], [C, []]])
      for (const [id, transport] of [[A, a!], [B, b!], [C, c!]] as const) {
        yield* transport.listen((datagram) => void received.get(id)!.push(new TextDecoder().decode(datagram)))
      }
      // Room for the tag is kept in every append's budget (domain/wire/datagramSize.ts): this is as large.
      const large = hello(B, C, "x".repeat(64_000))
      a!.send(hello(A, B, "one"))
      b!.send(large)
      c!.send(hello(C, BROADCAST, "all"))
      yield* eventually(() => received.get(A)!.length === 1 && received.get(B)!.length === 2 && received.get(C)!.length === 1, "every datagram")
      expect(received.get(A)).toEqual([hello(C, BROADCAST, "all")])
      expect([...received.get(B)!].sort()).toEqual([hello(A, B, "one"), hello(C, BROADCAST, "all")].sort())
      expect(received.get(C)).toEqual([large])
      expect(log.reports).toEqual([])
    })
  )

  it.scopedLive("sends tag ‖ payload with the documented tag, and names the sender of what arrives", () =>
    Effect.gen(function* () {
      const { ports, cluster, key, log } = yield* localCluster(3)
      const a = yield* startLinks(cluster, A, key, log)
      const b = yield* startLinks(cluster, B, key, log)
      const atC = yield* rawSocket(ports[2]!)
      const atB = yield* collect(b)
      a.send(C, bytes("to C"))
      a.send(B, bytes("to B"))
      yield* eventually(() => atC.received.length === 1 && atB.length === 1, "both datagrams")
      expect(atC.received[0]).toEqual(forge(key, cluster.cluster, A, C, "to C"))
      expect(atB).toEqual([[A, "to B"]])
    })
  )

  it.scopedLive("drops and logs what is forged, replayed to another node, reflected, cut short, or from an unknown address", () =>
    Effect.gen(function* () {
      const { ports, cluster, key, log } = yield* localCluster(3)
      const a = yield* startLinks(cluster, A, key, log)
      const b = yield* startLinks(cluster, B, key, log)
      const atA = yield* collect(a)
      const atB = yield* collect(b)
      // The attacker holds C's address (it can send from there, as a spoofer could) but not the key.
      const attacker = yield* rawSocket(ports[2]!)
      const stranger = yield* rawSocket(0)
      a.send(C, bytes(hello(A, C, "genuine")))
      yield* eventually(() => attacker.received.length === 1, "the genuine datagram at C's address")
      const genuine = attacker.received[0]!
      const [portA, portB] = [ports[0]!, ports[1]!]

      const flipped = forge(key, cluster.cluster, C, B, "flipped")
      flipped[0]! ^= 1
      const altered = forge(key, cluster.cluster, C, B, "altered")
      altered[altered.length - 1] = 0x21
      const refusedAtB = [
        genuine, // A's datagram to C, replayed to B: bound to C as receiver
        forge(testKey(), cluster.cluster, C, B, "another key"),
        forge(key, "another-cluster", C, B, "another cluster"),
        flipped,
        altered,
        forge(key, cluster.cluster, C, B, "truncated").subarray(0, -1)
      ]
      for (const datagram of refusedAtB) yield* sendRaw(attacker.socket, datagram, portB)
      yield* sendRaw(attacker.socket, genuine.subarray(0, 31), portB)
      yield* sendRaw(attacker.socket, forge(key, cluster.cluster, C, B, "control"), portB)
      yield* sendRaw(attacker.socket, genuine, portA) // reflected to its sender
      yield* sendRaw(stranger.socket, forge(key, cluster.cluster, C, A, "stranger"), portA)

      yield* eventually(
        () =>
          count(log.reports, "peer:bad-mac:0002") === refusedAtB.length + 1 &&
          count(log.reports, "peer:short:0002") === 1 &&
          count(log.reports, "peer:unknown-address") === 1 &&
          atB.length === 1,
        "every datagram handled"
      )
      // The control shows the path works: a tag made with the key for C → B is accepted.
      expect(atB).toEqual([[C, "control"]])
      expect(atA).toEqual([])
      expect(log.reports.every((report) => report.level === "warning")).toBe(true)
      expect(log.reports.find((report) => report.key === "peer:unknown-address")?.text).toContain(
        `127.0.0.1:${stranger.socket.address().port}`
      )
    })
  )

  it.scopedLive("nodes with different keys hear nothing from each other", () =>
    Effect.gen(function* () {
      const { cluster, log } = yield* localCluster(2)
      const a = yield* startLinks(cluster, A, testKey(), log)
      const b = yield* startLinks(cluster, B, testKey(), log)
      const atA = yield* collect(a)
      const atB = yield* collect(b)
      a.send(B, bytes("hello"))
      b.send(A, bytes("hello"))
      yield* eventually(() => count(log.reports, "peer:bad-mac:0000") === 1 && count(log.reports, "peer:bad-mac:0001") === 1, "both refusals")
      expect([atA, atB]).toEqual([[], []])
    })
  )

  it.scopedLive("holds what arrives before anyone listens, then hands it over", () =>
    Effect.gen(function* () {
      const { cluster, key, log } = yield* localCluster(2)
      const a = yield* startLinks(cluster, A, key, log)
      const b = yield* startLinks(cluster, B, key, log)
      a.send(B, bytes("early"))
      // Nearly always the datagram is held by now; were it later, it would be delivered the
      // ordinary way and this would still pass: no schedule can make it fail wrongly.
      yield* Effect.sleep("100 millis")
      const atB = yield* collect(b)
      yield* eventually(() => atB.length === 1, "the held datagram")
      expect(atB).toEqual([[A, "early"]])
    })
  )

  it.scopedLive("fails to start, saying why, when its id is not in the file or its port is taken", () =>
    Effect.gen(function* () {
      const { ports, cluster, log } = yield* localCluster(2)
      const stranger = yield* Effect.flip(startLinks(cluster, "0007" as NodeId, testKey(), log))
      expect(stranger.reason).toBe("node 0007 is not in cluster test-cluster")
      yield* startLinks(cluster, A, testKey(), log)
      const twice = yield* Effect.flip(startLinks(cluster, A, testKey(), log))
      expect(twice.reason).toContain(`cannot bind 127.0.0.1:${ports[0]}`)
    })
  )
})

describe("resolveCluster", () => {
  it.effect("knows a node by the address its datagrams carry: IPv6 as a socket writes it", () =>
    Effect.gen(function* () {
      const cluster: ClusterFile = {
        ...clusterOn([7000, 7001]),
        nodes: [
          { id: A, peer: { host: "::1", port: 7000 }, http: { host: "::1", port: 8000 } },
          { id: B, peer: { host: "0:0:0:0:0:0:0:1", port: 7001 }, http: { host: "::1", port: 8001 } }
        ]
      }
      const resolved = yield* resolveCluster(cluster, A)
      expect(resolved).toEqual({ family: 6, self: { id: A, address: "::1", port: 7000 }, peers: [{ id: B, address: "::1", port: 7001 }] })
    })
  )

  it.effect("refuses two nodes at one address however written, and a peer of the other family", () =>
    Effect.gen(function* () {
      const base = clusterOn([7000, 7001])
      const at = (host: string, port: number) => ({ host, port })
      const sameAddress = { ...base, nodes: [{ ...base.nodes[0]!, peer: at("::1", 7000) }, { ...base.nodes[1]!, peer: at("0::1", 7000) }] }
      expect(yield* Effect.flip(resolveCluster(sameAddress, A))).toMatchObject({
        reason: "nodes 0000 and 0001 resolve to the same peer address ::1:7000"
      })
      const mixed = { ...base, nodes: [{ ...base.nodes[0]!, peer: at("::1", 7000) }, base.nodes[1]!] }
      expect(yield* Effect.flip(resolveCluster(mixed, A))).toMatchObject({
        reason: "node 0001's peer host 127.0.0.1 is IPv4, this node's is IPv6"
      })
    })
  )
})
