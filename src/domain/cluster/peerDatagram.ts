import type { NodeId } from "../ids.ts"

/**
 * A datagram between peers is `tag ‖ payload`: the payload is the message's JSON, unchanged,
 * and the tag is HMAC-SHA-256 under the cluster key of `macContext(cluster, sender, receiver) ‖
 * payload`, the full 32 bytes. docs/cluster-transport.md says what this does and does not stop.
 */
export const TAG_BYTES = 32

/**
 * Names this format's version, so that a node speaking another one is refused (its tags do not
 * verify) rather than misread. Ends in NUL, as the cluster name does, which cannot contain one.
 */
const LABEL = "raft-kv peer v1\0"

const utf8 = new TextEncoder()

/**
 * What the tag binds besides the payload: the cluster, the sender and the receiver. The sender
 * is the node whose listed address the datagram comes from and the receiver the node it is sent
 * to, not the `src` and `dst` inside (a broadcast's `dst` is FFFF, and each peer's copy gets its
 * own tag). So a datagram meant for one node verifies nowhere else: not at a third node, not
 * reflected back to its sender, not in another cluster sharing the key. Ids are four characters,
 * so the fields cannot run into each other.
 */
export const macContext = (cluster: string, sender: NodeId, receiver: NodeId): Uint8Array =>
  utf8.encode(`${LABEL}${cluster}\0${sender}${receiver}`)
