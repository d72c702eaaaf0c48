import { readFile } from "node:fs/promises"
import { dirname } from "node:path"
import type { KeyObject } from "node:crypto"
import { NodeFileSystem } from "@effect/platform-node"
import { Duration, Effect, Either, Layer } from "effect"
import { ReasonError } from "../../domain/reasonError.ts"
import { loadClusterFile, type ClusterFile } from "../../domain/cluster/clusterFile.ts"
import { localClientId } from "../../domain/cluster/localClientId.ts"
import type { NodeId } from "../../domain/ids.ts"
import type { ClusterConfig } from "../../domain/raft/state.ts"
import { defaultTiming } from "../../domain/raft/timing.ts"
import { NodeAlarm } from "../../services/Alarm.ts"
import { loadClusterKey } from "../../services/clusterKey.ts"
import { KvNode } from "../../services/KvNode.ts"
import { withLocalClient } from "../../services/LocalClient.ts"
import { PeerTransport } from "../../services/PeerTransport.ts"
import { PeerUdpLinks } from "../../services/PeerUdpLinks.ts"
import { withFaultControlFile } from "../../services/faultControlFile.ts"
import { DiskStorage } from "../../services/storage/DiskStorage.ts"
import { makeDurableShell } from "../../shell/durable/durableShell.ts"
import { makeKvNode } from "../../shell/durable/liveKvNode.ts"
import { serve } from "../../shell/replicaShell.ts"

/** How long a client command waits for its answer: a few elections, should the leader change under it. */
export const DEFAULT_REQUEST_TIMEOUT = Duration.seconds(5)

/** The node's client-facing services (the HTTP API), run for as long as the node runs, with KvNode provided. */
export type NodeApi<E, R> = Effect.Effect<void, E, R | KvNode>

export const clusterConfig = (cluster: ClusterFile, self: NodeId): ClusterConfig => ({
  self,
  peers: cluster.nodes.map((node) => node.id).filter((id) => id !== self),
  timing: defaultTiming
})

/**
 * One node's wiring over the network and the disk: authenticated peer links (cut as a
 * fault-control file says, when one is given), the local clients beside them, the node's
 * timer, and its store in `directory`.
 */
export const nodeLayer = (options: {
  readonly cluster: ClusterFile
  readonly self: NodeId
  readonly key: KeyObject
  readonly directory: string
  readonly faultControl?: string
}) => {
  const links = PeerUdpLinks({ cluster: options.cluster, self: options.self, key: options.key })
  return Layer.mergeAll(
    withLocalClient(localClientId(options.cluster.nodes.map((node) => node.id))).pipe(
      Layer.provide(PeerTransport),
      Layer.provide(options.faultControl === undefined ? links : withFaultControlFile(options.faultControl).pipe(Layer.provide(links)))
    ),
    NodeAlarm,
    DiskStorage({ directory: options.directory }).pipe(Layer.provide(NodeFileSystem.layer))
  )
}

/**
 * The node itself, on whatever layers provide its services: the durable shell served, KvNode
 * over it, and `apis` run with it. Ends when an api ends or fails, or when the store fails.
 */
export const runNode = <E, R>(config: ClusterConfig, apis: ReadonlyArray<NodeApi<E, R>>, requestTimeout: Duration.DurationInput = DEFAULT_REQUEST_TIMEOUT) =>
  Effect.gen(function* () {
    const shell = yield* makeDurableShell(config)
    const node = yield* makeKvNode(shell, { timeout: requestTimeout })
    const running = apis.map((api) => Effect.provideService(api, KvNode, node))
    return yield* Effect.raceAll([serve(shell), shell.failed, ...running])
  }).pipe(Effect.scoped)

export class NodeStartError extends ReasonError("NodeStartError") {}

export interface NodeOptions {
  readonly id: NodeId
  readonly clusterFile: string
  readonly dataDirectory: string
  readonly requestTimeout?: Duration.DurationInput
  readonly faultControl?: string
}

/**
 * `kvnode`: reads the cluster file and its key, then runs the node until interrupted, with the
 * apis `apisFor` makes for it from the cluster file (the HTTP API listens at the node's `http`
 * address and redirects to the leader's).
 */
export const serveNode = <E, R>(options: NodeOptions, apisFor: (cluster: ClusterFile, self: NodeId) => ReadonlyArray<NodeApi<E, R>>) =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(options.clusterFile, "utf8"),
      catch: (error) => new NodeStartError({ reason: `cannot read ${options.clusterFile}: ${error instanceof Error ? error.message : String(error)}` })
    })
    const cluster = yield* Either.mapLeft(loadClusterFile(text), (error) => new NodeStartError({ reason: error.reason }))
    if (!cluster.nodes.some((node) => node.id === options.id)) {
      return yield* new NodeStartError({ reason: `no node ${options.id} in ${options.clusterFile}` })
    }
    const key = yield* loadClusterKey(cluster.key, dirname(options.clusterFile))
    const layer = nodeLayer({
      cluster,
      self: options.id,
      key,
      directory: options.dataDirectory,
      ...(options.faultControl === undefined ? {} : { faultControl: options.faultControl })
    })
    return yield* runNode(clusterConfig(cluster, options.id), apisFor(cluster, options.id), options.requestTimeout).pipe(Effect.provide(layer))
  })
