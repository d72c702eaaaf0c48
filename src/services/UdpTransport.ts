import { createSocket } from "node:dgram"
import { Effect, Layer, Option } from "effect"
import { Transport } from "./Transport.ts"

/**
 * The live transport: one UDP socket on localhost, sending everything to the harness's port
 * (the harness routes by `dst`). The socket is scoped: closed however the program ends.
 *
 * Receiving is hand-rolled on the socket's callback and one timer rather than a Queue raced
 * against a sleep: a datagram resumes the waiting fiber directly. That race cost ≈ 0.3 ms a
 * datagram here, more than the harness's whole round trip (see BENCHMARKS.md).
 */
/** Node's timers take at most 2³¹−1 ms; a replica with nothing scheduled waits for datagrams only. */
const MAX_TIMER_MS = 2 ** 31 - 1

export const UdpTransport = (harnessPort: number): Layer.Layer<Transport> =>
  Layer.scoped(
    Transport,
    Effect.gen(function* () {
      const buffered: Array<Uint8Array> = []
      let waiting: ((datagram: Option.Option<Uint8Array>) => void) | undefined
      const socket = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createSocket>>((resume) => {
          const socket = createSocket("udp4")
          socket.on("message", (datagram) => {
            const wake = waiting
            if (wake === undefined) {
              buffered.push(datagram)
            } else {
              waiting = undefined
              wake(Option.some(datagram))
            }
          })
          socket.bind(0, "127.0.0.1", () => resume(Effect.succeed(socket)))
        }),
        (socket) => Effect.sync(() => socket.close())
      )
      const receive = (timeoutMs: number): Effect.Effect<Option.Option<Uint8Array>> => {
        const ready = buffered.shift()
        if (ready !== undefined) return Effect.succeed(Option.some(ready))
        return Effect.async<Option.Option<Uint8Array>>((resume) => {
          const timer = Number.isFinite(timeoutMs)
            ? setTimeout(() => {
                waiting = undefined
                resume(Effect.succeed(Option.none()))
              }, Math.min(timeoutMs, MAX_TIMER_MS))
            : undefined
          waiting = (datagram) => {
            clearTimeout(timer)
            resume(Effect.succeed(datagram))
          }
          return Effect.sync(() => {
            clearTimeout(timer)
            waiting = undefined
          })
        })
      }
      return {
        send: (datagram: string) => Effect.sync(() => socket.send(datagram, harnessPort, "127.0.0.1")),
        receive
      }
    })
  )
