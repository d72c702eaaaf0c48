import { createSocket } from "node:dgram"
import { Effect, Layer } from "effect"
import { ReplicaLog, reportNow } from "./ReplicaLog.ts"
import { Transport } from "./Transport.ts"

/**
 * The receive buffer of every UDP socket here, the replica's and each of kvsim's harness
 * sockets. Linux's default (≈ 200 KB, some 150 small datagrams as the kernel counts them)
 * overflows when the requests held during an election are released at once: at a new leader,
 * and at the harness that relays them and their answers. The kernel then drops them before we
 * see them (seen in the soak, /proc/net/udp). The system's maximum (net.core.rmem_max) caps
 * this quietly.
 */
export const RECEIVE_BUFFER_BYTES = 4 * 2 ** 20

/**
 * The live transport: one UDP socket on localhost, connected to the harness's port (the
 * harness routes by `dst`). Connected, a send is one system call made there and then: an
 * unconnected send resolves the address first and leaves on a later tick, after the rest of
 * the handler has run, which showed in the median latency (docs/performance/latency.md).
 * The price is that the kernel reports a refused datagram (the harness gone) as a socket
 * error, which is logged, rate-limited, and otherwise ignored, as UDP ignores loss.
 *
 * The socket is scoped: closed however the program ends. Datagrams that arrive before anyone
 * listens are held and handed over when someone does.
 */
export const UdpTransport = (harnessPort: number): Layer.Layer<Transport, never, ReplicaLog> =>
  Layer.scoped(
    Transport,
    Effect.gen(function* () {
      const report = yield* reportNow
      const early: Array<Uint8Array> = []
      let deliver = (datagram: Uint8Array): void => void early.push(datagram)
      const socket = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createSocket>>((resume) => {
          const socket = createSocket({ type: "udp4", recvBufferSize: RECEIVE_BUFFER_BYTES })
          socket.on("message", (datagram) => deliver(datagram))
          socket.on("error", (error: NodeJS.ErrnoException) => {
            const cause = error.code ?? error.name
            report("warning", `socket:${cause}`, `socket error, datagram lost: ${error.message}`)
          })
          socket.bind(0, "127.0.0.1", () => socket.connect(harnessPort, "127.0.0.1", () => resume(Effect.succeed(socket))))
        }),
        (socket) => Effect.sync(() => socket.close())
      )
      return {
        send: (datagram: string) => socket.send(datagram),
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
