import { Context, type Effect, type Option } from "effect"

/**
 * The replica's only way to the outside: datagrams in, datagrams out. The replica never
 * names a transport; production provides UDP to the harness (UdpTransport), tests and the
 * simulator provide in-memory networks (MemoryTransport).
 */
export class Transport extends Context.Tag("Transport")<
  Transport,
  {
    /** Sends one datagram; a replica addresses it by the `dst` inside, as the harness routes. */
    readonly send: (datagram: string) => Effect.Effect<void>
    /** The next datagram that arrived, waiting at most `timeoutMs` for one (None: the time passed). */
    readonly receive: (timeoutMs: number) => Effect.Effect<Option.Option<Uint8Array>>
  }
>() {}
