import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { PeerLinks } from "../../src/services/PeerLinks.ts"
import { PeerTransport } from "../../src/services/PeerTransport.ts"
import { Transport } from "../../src/services/Transport.ts"
import { fakeLinks, hello, ids, recordingLog } from "../support/peers.ts"

const [A, B, C, D] = ids(4) as [NodeId, NodeId, NodeId, NodeId]

const transportOver = (links: Context.Tag.Service<PeerLinks>, log: ReturnType<typeof recordingLog>) =>
  Effect.map(Layer.build(PeerTransport.pipe(Layer.provide(Layer.succeed(PeerLinks, links)), Layer.provide(log.layer))), (context) =>
    Context.get(context, Transport)
  )

describe("PeerTransport", () => {
  it.scoped("sends to the peer dst names, FFFF to every other node, and nothing anywhere else (logged)", () =>
    Effect.gen(function* () {
      const fake = fakeLinks(A, [B, C, D])
      const log = recordingLog()
      const transport = yield* transportOver(fake.links, log)
      transport.send(hello(A, C))
      expect(fake.sent).toEqual([[C, hello(A, C)]])
      fake.sent.length = 0
      transport.send(hello(A, BROADCAST))
      expect(fake.sent).toEqual([B, C, D].map((peer) => [peer, hello(A, BROADCAST)]))
      fake.sent.length = 0
      const client = "0014" as NodeId
      for (const datagram of [hello(A, client), hello(A, A), `{"src":"0000","type":"hello"}`, "not json"]) transport.send(datagram)
      expect(fake.sent).toEqual([])
      expect(log.reports.map((report) => [report.key, report.text])).toEqual([
        ["peer:unknown-dst", "did not send a datagram: no peer is 0014"],
        ["peer:unknown-dst", "did not send a datagram: no peer is 0000"],
        ["peer:unknown-dst", "did not send a datagram: it has no dst"],
        ["peer:unknown-dst", "did not send a datagram: it has no dst"]
      ])
    })
  )

  it.scoped("hands up each payload that arrives, byte for byte", () =>
    Effect.gen(function* () {
      const fake = fakeLinks(A, [B, C])
      const transport = yield* transportOver(fake.links, recordingLog())
      const received: Array<string> = []
      yield* transport.listen((datagram) => void received.push(new TextDecoder().decode(datagram)))
      fake.arrive(B, hello(B, A, "é ✓"))
      fake.arrive(C, hello(C, BROADCAST))
      expect(received).toEqual([hello(B, A, "é ✓"), hello(C, BROADCAST)])
    })
  )
})
