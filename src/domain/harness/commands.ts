import type { NodeId } from "../ids.ts"

/** What the harness core asks its back end to do; the back end performs them in order. */
export type HarnessCommand =
  /** Hand this text, from that replica or client, to that replica's socket (the replica has said hello and is alive). */
  | { readonly _tag: "Deliver"; readonly from: NodeId; readonly to: NodeId; readonly datagram: string }
  /** SIGTERM that replica's process group. */
  | { readonly _tag: "Kill"; readonly replica: NodeId }
  /** The run is over: time is up, `total_msgs` reached `max_packets`, or no replica is left. Emitted once. */
  | { readonly _tag: "Finish" }
