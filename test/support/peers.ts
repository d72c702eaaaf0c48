import { createSecretKey, randomBytes, type KeyObject } from "node:crypto"
import { createSocket, type Socket } from "node:dgram"
import { type Context, Effect, Either, Layer } from "effect"
import { loadClusterFile, type ClusterFile } from "../../src/domain/cluster/clusterFile.ts"
import { replicaId, type NodeId } from "../../src/domain/ids.ts"
import type { PeerLinks } from "../../src/services/PeerLinks.ts"
import { ReplicaLog, type Level } from "../../src/services/ReplicaLog.ts"

export const CLUSTER = "test-cluster"

export const testKey = (): KeyObject => createSecretKey(randomBytes(32))

/**
 * Ports the kernel just handed out on 127.0.0.1, all held at once so they differ, then freed
 * for the nodes to bind. Another process could take one in between; the kernel hands out
 * ephemeral ports in a spread, so it is unlikely, and a bind that fails says so.
 */
export const freePorts = (count: number): Effect.Effect<ReadonlyArray<number>> =>
  Effect.promise(async () => {
    const sockets = await Promise.all(
      Array.from({ length: count }, () => new Promise<Socket>((resolve) => {
        const socket = createSocket("udp4")
        socket.bind(0, "127.0.0.1", () => resolve(socket))
      }))
    )
    const ports = sockets.map((socket) => socket.address().port)
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))))
    return ports
  })

/** A cluster of nodes 0000, 0001, ... on 127.0.0.1 at `ports`, decoded as a file would be. */
export const clusterOn = (ports: ReadonlyArray<number>, name = CLUSTER): ClusterFile =>
  Either.getOrThrow(
    loadClusterFile(
      JSON.stringify({
        cluster: name,
        key: { env: "TEST_CLUSTER_KEY" },
        nodes: ports.map((port, index) => ({
          id: replicaId(index),
          peer: { host: "127.0.0.1", port },
          http: { host: "127.0.0.1", port: 8000 + index }
        }))
      })
    )
  )

/**
 * What a test of real peer links starts from: `count` nodes on free ports of 127.0.0.1, one
 * key for all of them, and a log that keeps every report.
 */
export const localCluster = (count: number) =>
  Effect.map(freePorts(count), (ports) => ({ ports, cluster: clusterOn(ports), key: testKey(), log: recordingLog() }))

export interface Report {
  readonly level: Level
  readonly key: string
  readonly text: string
}

/** A ReplicaLog that keeps every report, unlimited, for a test to look at. */
export const recordingLog = (): { readonly reports: Array<Report>; readonly layer: Layer.Layer<ReplicaLog> } => {
  const reports: Array<Report> = []
  const layer = Layer.succeed(ReplicaLog, { report: (level, key, text) => Effect.sync(() => void reports.push({ level, key, text })) })
  return { reports, layer }
}

export const count = (reports: ReadonlyArray<Report>, key: string): number => reports.filter((report) => report.key === key).length

/**
 * Waits until `done` holds: for a datagram to arrive, or for its drop to be reported. A test
 * waits for evidence that a datagram was handled, never for a quiet interval, so a slow machine
 * makes it slower, not wrong. The deadline only turns a hang into a failure.
 */
export const eventually = (done: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const deadline = Date.now() + 10_000
    while (!done()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("5 millis")
    }
  })

const utf8 = new TextEncoder()
const text = new TextDecoder()

export const bytes = (value: string): Uint8Array => utf8.encode(value)

/** Listens on `links`, keeping what arrives as [sender, text]. */
export const collect = (links: Context.Tag.Service<PeerLinks>) =>
  Effect.gen(function* () {
    const received: Array<readonly [NodeId, string]> = []
    yield* links.listen((from, payload) => void received.push([from, text.decode(payload)]))
    return received
  })

/** A hello as the replica writes it: JSON.stringify of a message, `dst` second. */
export const hello = (src: NodeId, dst: NodeId, note = ""): string =>
  JSON.stringify({ src, dst, leader: "FFFF", type: "hello", ...(note === "" ? {} : { note }) })

export const ids = (count: number): ReadonlyArray<NodeId> => Array.from({ length: count }, (_, index) => replicaId(index))

/**
 * PeerLinks without a network, for what sits above them: sends are recorded as [to, text], and
 * `arrive` plays a datagram from a peer into whoever listens.
 */
export const fakeLinks = (self: NodeId, peers: ReadonlyArray<NodeId>) => {
  const sent: Array<readonly [NodeId, string]> = []
  let deliver: (from: NodeId, payload: Uint8Array) => void = () => undefined
  const links: Context.Tag.Service<PeerLinks> = {
    self,
    peers,
    send: (to, payload) => void sent.push([to, text.decode(payload)]),
    listen: (handler) => Effect.sync(() => void (deliver = handler))
  }
  return { links, sent, arrive: (from: NodeId, payload: string) => deliver(from, utf8.encode(payload)) }
}
