import { lookup } from "node:dns/promises"
import { Effect } from "effect"
import type { Address, ClusterFile } from "../domain/cluster/clusterFile.ts"
import type { NodeId } from "../domain/ids.ts"
import { PeerLinksError } from "./PeerLinks.ts"

/** A node's peer address as its datagrams show it: an IP literal in the form the socket reports. */
export interface PeerAddress {
  readonly id: NodeId
  readonly address: string
  readonly port: number
}

export interface ResolvedCluster {
  readonly family: 4 | 6
  readonly self: PeerAddress
  /** The other nodes, in the cluster file's order. */
  readonly peers: ReadonlyArray<PeerAddress>
}

/** The key under which a datagram's source is looked up. */
export const sourceKey = (address: string, port: number): string => `${address}|${port}`

/**
 * The peer addresses of `self` and of every other node, resolved once, at start: a sender is
 * known by the address its datagrams come from, so each listed address must be the one its
 * node's datagrams carry (no NAT between nodes). A node's family (IPv4 or IPv6) is the one its
 * own host resolves to, and every peer must resolve in it, since one socket talks to them all.
 */
export const resolveCluster = (cluster: ClusterFile, self: NodeId): Effect.Effect<ResolvedCluster, PeerLinksError> =>
  Effect.gen(function* () {
    const own = cluster.nodes.find((node) => node.id === self)
    if (own === undefined) return yield* new PeerLinksError({ reason: `node ${self} is not in cluster ${cluster.cluster}` })
    const first = yield* resolve(self, own.peer, undefined)
    const others = cluster.nodes.filter((node) => node.id !== self)
    const peers = (yield* Effect.forEach(others, (node) => resolve(node.id, node.peer, first.family))).map((found) => found.address)
    const seen = new Map<string, NodeId>()
    for (const node of [first.address, ...peers]) {
      const key = sourceKey(node.address, node.port)
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        return yield* new PeerLinksError({ reason: `nodes ${earlier} and ${node.id} resolve to the same peer address ${node.address}:${node.port}` })
      }
      seen.set(key, node.id)
    }
    return { family: first.family, self: first.address, peers }
  })

const resolve = (
  id: NodeId,
  { host, port }: Address,
  family: 4 | 6 | undefined
): Effect.Effect<{ readonly family: 4 | 6; readonly address: PeerAddress }, PeerLinksError> =>
  Effect.tryPromise({
    try: () => lookup(host, family === undefined ? {} : { family }),
    catch: (error) => new PeerLinksError({ reason: `node ${id}'s peer host ${host} does not resolve: ${String(error)}` })
  }).pipe(
    Effect.filterOrFail(
      (found) => family === undefined || found.family === family,
      (found) => new PeerLinksError({ reason: `node ${id}'s peer host ${host} is IPv${found.family}, this node's is IPv${family}` })
    ),
    Effect.map((found) => {
      const resolvedFamily = found.family === 6 ? 6 : 4
      return { family: resolvedFamily, address: { id, address: canonical(found.address, resolvedFamily), port } }
    })
  )

/**
 * An IPv6 address as a socket reports a datagram's source (RFC 5952: lowercase, the longest run
 * of zeros compressed), which the cluster file need not use: "0:0::1" and "::1" are one node.
 */
const canonical = (address: string, family: 4 | 6): string =>
  family === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address
