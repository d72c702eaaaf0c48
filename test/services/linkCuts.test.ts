import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { LinkCuts, withLinkCuts } from "../../src/services/LinkCuts.ts"
import { PeerLinks, type PeerLinksError } from "../../src/services/PeerLinks.ts"
import { PeerTransport } from "../../src/services/PeerTransport.ts"
import { PeerUdpLinks } from "../../src/services/PeerUdpLinks.ts"
import type { ReplicaLog } from "../../src/services/ReplicaLog.ts"
import { Transport } from "../../src/services/Transport.ts"
import { count, eventually, fakeLinks, hello, ids, localCluster, recordingLog } from "../support/peers.ts"

const [A, B, C] = ids(3) as [NodeId, NodeId, NodeId]

type Log = ReturnType<typeof recordingLog>

/** Transport over cut links over `links`, and what it receives, as text. */
const cutTransport = (links: Layer.Layer<PeerLinks, PeerLinksError, ReplicaLog>, cuts: LinkCuts, log: Log) =>
  Effect.gen(function* () {
    const layer = PeerTransport.pipe(Layer.provide(withLinkCuts(cuts)), Layer.provide(links), Layer.provide(log.layer))
    const transport = Context.get(yield* Layer.build(layer), Transport)
    const received: Array<string> = []
    yield* transport.listen((datagram) => void received.push(new TextDecoder().decode(datagram)))
    return { transport, received }
  })

describe("LinkCuts", () => {
  it.scoped("drops what crosses a cut link, each way on its own, and each peer's copy of a broadcast on its own", () =>
    Effect.gen(function* () {
      const cuts = new LinkCuts()
      const fake = fakeLinks(A, [B, C])
      const log = recordingLog()
      const { transport, received } = yield* cutTransport(Layer.succeed(PeerLinks, fake.links), cuts, log)

      cuts.cut(A, B)
      transport.send(hello(A, BROADCAST))
      transport.send(hello(A, B))
      expect(fake.sent).toEqual([[C, hello(A, BROADCAST)]])
      fake.arrive(B, hello(B, A)) // one-way: B to A still gets through
      expect(received).toEqual([hello(B, A)])

      cuts.cutBoth(A, C)
      fake.arrive(C, hello(C, A))
      transport.send(hello(A, C))
      expect(received).toEqual([hello(B, A)])
      expect(fake.sent).toHaveLength(1)
      expect(log.reports.map((report) => [report.level, report.key])).toEqual([
        ["debug", "cut:0000>0001"],
        ["debug", "cut:0000>0001"],
        ["debug", "cut:0002>0000"],
        ["debug", "cut:0000>0002"]
      ])

      cuts.healBoth(A, C)
      expect([cuts.isCut(A, C), cuts.isCut(C, A), cuts.isCut(A, B)]).toEqual([false, false, true])
      cuts.heal(A, B)
      cuts.cutBoth(B, C)
      cuts.healAll()
      transport.send(hello(A, BROADCAST))
      fake.arrive(C, hello(C, A))
      expect(fake.sent.slice(1)).toEqual([[B, hello(A, BROADCAST)], [C, hello(A, BROADCAST)]])
      expect(received).toEqual([hello(B, A), hello(C, A)])
    })
  )

  it.scopedLive("cuts real links: a cut known only to the receiver drops on arrival, and healing lets the next through", () =>
    Effect.gen(function* () {
      const { cluster, key, log } = yield* localCluster(3)
      // One LinkCuts per node, as in separate processes: only B knows of the cut A → B.
      const atB = new LinkCuts()
      atB.cut(A, B)
      const node = (self: NodeId, cuts: LinkCuts) => cutTransport(PeerUdpLinks({ cluster, self, key }), cuts, log)
      const [a, b, c] = yield* Effect.all([node(A, new LinkCuts()), node(B, atB), node(C, new LinkCuts())])

      a!.transport.send(hello(A, BROADCAST, "cut at B"))
      b!.transport.send(hello(B, A, "one-way"))
      yield* eventually(() => count(log.reports, "cut:0000>0001") === 1 && c!.received.length === 1 && a!.received.length === 1, "the broadcast and the answer")
      expect(b!.received).toEqual([])
      expect(c!.received).toEqual([hello(A, BROADCAST, "cut at B")])
      expect(a!.received).toEqual([hello(B, A, "one-way")])

      atB.healAll()
      a!.transport.send(hello(A, B, "healed"))
      yield* eventually(() => b!.received.length === 1, "the datagram after healing")
      expect(b!.received).toEqual([hello(A, B, "healed")])
      expect(log.reports.filter((report) => report.level !== "debug")).toEqual([])
    })
  )
})
