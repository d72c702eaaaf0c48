import { createSocket } from "node:dgram"
import { Effect, Layer, Queue } from "effect"
import { Transport } from "./Transport.ts"

/**
 * The live transport: one UDP socket on localhost, sending everything to the harness's port
 * (the harness routes by `dst`). The socket is scoped: closed however the program ends.
 */
export const UdpTransport = (harnessPort: number): Layer.Layer<Transport> =>
  Layer.scoped(
    Transport,
    Effect.gen(function* () {
      const inbox = yield* Queue.unbounded<Uint8Array>()
      const socket = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createSocket>>((resume) => {
          const socket = createSocket("udp4")
          socket.on("message", (datagram) => inbox.unsafeOffer(datagram))
          socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
        }),
        (socket) => Effect.sync(() => socket.close())
      )
      return {
        send: (datagram: string) => Effect.sync(() => socket.send(datagram, harnessPort, "127.0.0.1")),
        receive: Queue.take(inbox)
      }
    })
  )
