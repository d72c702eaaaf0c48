import { createServer } from "node:http"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import type { Address, ClusterFile } from "../../domain/cluster/clusterFile.ts"
import type { NodeId } from "../../domain/ids.ts"
import { kvApp } from "./kvRoutes.ts"

/**
 * The client API served over HTTP at `listen`, answering through the KvNode it is given.
 * `addresses` are the cluster's HTTP addresses, for redirects to the leader, read per request.
 * The layer also provides the HttpServer, whose `address` is where it is bound (port 0 picks one).
 */
export const HttpApi = (options: { readonly listen: Address; readonly addresses: ReadonlyMap<NodeId, Address> }) =>
  HttpServer.serve(kvApp(options.addresses)).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { host: options.listen.host, port: options.listen.port }))
  )

/** The client API of node `self`, at its own `http` address in the cluster file. */
export const clusterHttpApi = (cluster: ClusterFile, self: NodeId) => {
  const addresses = new Map(cluster.nodes.map((node) => [node.id, node.http] as const))
  const listen = addresses.get(self)
  if (listen === undefined) throw new Error(`node ${self} is not in cluster ${cluster.cluster}`)
  return HttpApi({ listen, addresses })
}
