import { Effect, Layer } from "effect"
import type { NodeId } from "../domain/ids.ts"
import { PeerLinks } from "./PeerLinks.ts"
import { ReplicaLog, reportNow } from "./ReplicaLog.ts"

/**
 * Which links are cut, changed at run time by a test or a nemesis: a cut from A to B drops every
 * datagram A sends to B, and B to A still gets through unless cut too. One object can serve a
 * whole in-process cluster; across processes, each node holds its own, and a cut takes effect
 * at whichever end knows of it (A drops before sending, B on receipt). No root, no firewall,
 * no network namespace: the links are cut above the socket.
 */
export class LinkCuts {
  private readonly cuts = new Set<string>()

  /** Drops what `from` sends to `to`. */
  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(link(from, to))
  }

  cutBoth(a: NodeId, b: NodeId): void {
    this.cut(a, b)
    this.cut(b, a)
  }

  heal(from: NodeId, to: NodeId): void {
    this.cuts.delete(link(from, to))
  }

  healBoth(a: NodeId, b: NodeId): void {
    this.heal(a, b)
    this.heal(b, a)
  }

  healAll(): void {
    this.cuts.clear()
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(link(from, to))
  }
}

const link = (from: NodeId, to: NodeId): string => `${from}>${to}`

/**
 * PeerLinks with `cuts` applied: a datagram over a cut link is dropped on the way out or on the
 * way in, and logged at debug level (rate-limited, keyed by the link), so a run's log shows
 * what a nemesis cut. Below PeerTransport, so each peer's copy of a broadcast is cut on its own.
 */
export const withLinkCuts = (cuts: LinkCuts): Layer.Layer<PeerLinks, never, PeerLinks | ReplicaLog> =>
  Layer.effect(
    PeerLinks,
    Effect.gen(function* () {
      const links = yield* PeerLinks
      const report = yield* reportNow
      const dropped = (from: NodeId, to: NodeId): void =>
        report("debug", `cut:${link(from, to)}`, `link ${from} → ${to} is cut: dropped a datagram`)
      const { self } = links
      return {
        self,
        peers: links.peers,
        send: (to: NodeId, payload: Uint8Array) => (cuts.isCut(self, to) ? dropped(self, to) : links.send(to, payload)),
        listen: (deliver: (from: NodeId, payload: Uint8Array) => void) =>
          links.listen((from, payload) => (cuts.isCut(from, self) ? dropped(from, self) : deliver(from, payload)))
      }
    })
  )
