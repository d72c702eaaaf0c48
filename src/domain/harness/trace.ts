import type { NodeId } from "../ids.ts"
import { utf8Bytes } from "../wire/datagramSize.ts"

/**
 * What became of one datagram the harness handled:
 * - `delivered`: sent on to its replica or client;
 * - `dropped`: lost to the config's random drops;
 * - `blocked`: cut by a partition;
 * - `undeliverable`: for a replica that is killed, or that has not said hello (the "died" check);
 * - `invalid`: not a datagram of the protocol, counted as incorrect;
 * - `received`: a hello, which the harness keeps.
 */
export type Fate = "delivered" | "dropped" | "blocked" | "undeliverable" | "invalid" | "received"

export interface MessageRecord {
  readonly atMs: number
  /**
   * Who sent it: the replica whose harness socket it came on (routing goes by the datagram's
   * own `src`, which an honest replica sets to the same), or the client.
   */
  readonly src: string
  /** The datagram's `dst`, or for one copy of a broadcast the replica it went to. */
  readonly dst: string
  readonly type: string
  readonly bytes: number
  readonly fate: Fate
}

export type TraceEvent =
  | { readonly atMs: number; readonly kind: "kill"; readonly replica: NodeId }
  | { readonly atMs: number; readonly kind: "partition"; readonly hard: boolean; readonly majority: ReadonlyArray<NodeId>; readonly minority: ReadonlyArray<NodeId> }
  | { readonly atMs: number; readonly kind: "heal" }
  | { readonly atMs: number; readonly kind: "leader"; readonly leader: NodeId | null }
  | { readonly atMs: number; readonly kind: "died"; readonly replica: NodeId }
  | { readonly atMs: number; readonly kind: "exit"; readonly replica: NodeId; readonly how: string }

/**
 * A run's datagrams and events, recorded only when asked for (`kvsim --out`): a long run routes
 * millions of datagrams. Times are milliseconds from the start of the run.
 */
export class Trace {
  readonly messages: Array<MessageRecord> = []
  readonly events: Array<TraceEvent> = []

  message(atMs: number, src: string, dst: string, type: string, text: string, fate: Fate): void {
    this.messages.push({ atMs, src, dst, type, bytes: utf8Bytes(text), fate })
  }

  event(event: TraceEvent): void {
    this.events.push(event)
  }
}
