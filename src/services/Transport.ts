import { Context, type Effect, type Scope } from "effect"

/**
 * The replica's only way to the outside: datagrams in, datagrams out. The replica never
 * names a transport; production provides UDP to the harness (UdpTransport), simulations
 * provide the simulation kernel's network (src/simulation/memoryNetwork.ts, src/harness/virtual.ts).
 */
export class Transport extends Context.Tag("Transport")<
  Transport,
  {
    /**
     * Sends one datagram; a replica addresses it by the `dst` inside, as the harness routes.
     * Fire and forget, like UDP itself: it neither waits nor reports loss, so it is a plain
     * call the replica makes on its hot path rather than an Effect to run.
     */
    readonly send: (datagram: string) => void
    /**
     * Hands every datagram to `deliver` as it arrives, until the scope closes. A push, not a
     * pull: the replica answers inside the socket's own callback, with no fiber to wake first.
     */
    readonly listen: (deliver: (datagram: Uint8Array) => void) => Effect.Effect<void, never, Scope.Scope>
  }
>() {}
