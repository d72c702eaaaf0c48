import { Effect, Layer } from "effect"
import { BROADCAST, type NodeId } from "../domain/ids.ts"
import { Transport } from "../services/Transport.ts"
import type { VirtualNetwork } from "./virtualNetwork.ts"

/**
 * Replicas and clients talking straight to each other over the kernel's virtual network, with
 * no harness between: a datagram is routed as the harness routes it (by `dst`; FFFF = every
 * other replica), takes one hop on its sender–addressee link, and is handed to whatever
 * listens at the addressee when it arrives. What it meets on the way (drops, partitions,
 * kills) is the virtual network's.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<NodeId, (datagram: Uint8Array) => void>()
  private readonly encoder = new TextEncoder()

  constructor(
    private readonly network: VirtualNetwork,
    private readonly replicas: ReadonlyArray<NodeId>
  ) {}

  /** Hands `id` every datagram that arrives for it until the returned function is called. */
  listen(id: NodeId, deliver: (datagram: Uint8Array) => void): () => void {
    this.listeners.set(id, deliver)
    return () => {
      if (this.listeners.get(id) === deliver) this.listeners.delete(id)
    }
  }

  readonly route = (from: NodeId, datagram: string): void => {
    const dst = (JSON.parse(datagram) as { readonly dst: NodeId }).dst
    const bytes = this.encoder.encode(datagram)
    const targets = dst === BROADCAST ? this.replicas.filter((id) => id !== from) : [dst]
    for (const to of targets) this.network.send(`${from}>${to}`, from, to, () => this.listeners.get(to)?.(bytes))
  }
}

/** A replica's Transport on a MemoryNetwork: it listens for as long as its scope is open. */
export const MemoryTransport = (network: MemoryNetwork, id: NodeId): Layer.Layer<Transport> =>
  Layer.succeed(
    Transport,
    Transport.of({
      send: (datagram) => network.route(id, datagram),
      listen: (deliver) =>
        Effect.asVoid(
          Effect.acquireRelease(
            Effect.sync(() => network.listen(id, deliver)),
            (stop) => Effect.sync(stop)
          )
        )
    })
  )
