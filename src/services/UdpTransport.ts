import { createSocket } from "node:dgram"
import { Effect, Layer } from "effect"
import { Transport } from "./Transport.ts"

/**
 * The live transport: one UDP socket on localhost, sending everything to the harness's port
 * (the harness routes by `dst`). The socket is scoped: closed however the program ends.
 * Datagrams that arrive before anyone listens are held and handed over when someone does.
 */
/**
 * Linux's default receive buffer (≈ 200 KB, some 150 small datagrams as the kernel counts them)
 * overflows when a new leader is flooded with the requests clients held during an election:
 * the kernel drops them before we see them (seen in the soak, /proc/net/udp). The system's
 * maximum (net.core.rmem_max) caps this quietly.
 */
const RECEIVE_BUFFER_BYTES = 4 * 2 ** 20

export const UdpTransport = (harnessPort: number): Layer.Layer<Transport> =>
  Layer.scoped(
    Transport,
    Effect.gen(function* () {
      const early: Array<Uint8Array> = []
      let deliver = (datagram: Uint8Array): void => void early.push(datagram)
      const socket = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createSocket>>((resume) => {
          const socket = createSocket({ type: "udp4", recvBufferSize: RECEIVE_BUFFER_BYTES })
          socket.on("message", (datagram) => deliver(datagram))
          socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
        }),
        (socket) => Effect.sync(() => socket.close())
      )
      return {
        send: (datagram: string) => socket.send(datagram, harnessPort, "127.0.0.1"),
        listen: (handler: (datagram: Uint8Array) => void) =>
          Effect.acquireRelease(
            Effect.sync(() => {
              deliver = handler
              for (const datagram of early.splice(0)) handler(datagram)
            }),
            () => Effect.sync(() => void (deliver = () => undefined))
          )
      }
    })
  )
