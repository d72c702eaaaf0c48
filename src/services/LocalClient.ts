import { Context, Effect, Either, Layer } from "effect"
import type { NodeId } from "../domain/ids.ts"
import { decodeDatagram, encodeMessage } from "../domain/wire/decode.ts"
import type { ClientRequest, WireMessage } from "../domain/wire/messages.ts"
import { peekDst } from "../domain/wire/peekDst.ts"
import { Transport } from "./Transport.ts"

/**
 * The node's own clients, in process: requests go to the replica as datagrams from client `id`
 * would arrive, and what the replica addresses to `id` comes back here instead of going out to
 * the network. So the replica serves them by the harness protocol's client path, leases,
 * redirects and MID memory included, and knows nothing of where they came from.
 */
export class LocalClient extends Context.Tag("LocalClient")<
  LocalClient,
  {
    readonly id: NodeId
    /** False while the replica is not listening yet: the request was not delivered. */
    readonly request: (message: ClientRequest) => boolean
    /** Hands `handler` every message the replica addresses to `id` (replacing any earlier handler). */
    readonly onAnswer: (handler: (message: WireMessage) => void) => void
  }
>() {}

const utf8 = new TextEncoder()

/**
 * Wraps the node's Transport: datagrams to `id` are decoded and handed to the local client,
 * everything else goes to the wrapped Transport, and the replica's listener also takes the
 * local client's requests.
 */
export const withLocalClient = (id: NodeId): Layer.Layer<Transport | LocalClient, never, Transport> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const network = yield* Transport
      let deliver: ((datagram: Uint8Array) => void) | undefined
      let answer: (message: WireMessage) => void = () => undefined
      const transport = Transport.of({
        send: (datagram) => {
          if (peekDst(datagram) !== id) return network.send(datagram)
          const decoded = decodeDatagram(datagram)
          if (Either.isRight(decoded)) answer(decoded.right)
        },
        listen: (handler) =>
          Effect.zipRight(
            network.listen(handler),
            Effect.acquireRelease(
              Effect.sync(() => void (deliver = handler)),
              () => Effect.sync(() => void (deliver = undefined))
            )
          )
      })
      const client = LocalClient.of({
        id,
        request: (message) => {
          if (deliver === undefined) return false
          deliver(utf8.encode(encodeMessage(message)))
          return true
        },
        onAnswer: (handler) => void (answer = handler)
      })
      return Context.make(Transport, transport).pipe(Context.add(LocalClient, client))
    })
  )
