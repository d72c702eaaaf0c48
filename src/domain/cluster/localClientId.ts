import { type NodeId, replicaId } from "../ids.ts"

/**
 * The client id under which every node of a cluster hands its clients' requests to its own
 * replica: the highest id below the broadcast address that no node has. The same on every node
 * (all read one cluster file), so a request retried through another node is the same request
 * (client and MID) and the state machine applies it once.
 */
export const localClientId = (members: ReadonlyArray<NodeId>): NodeId => {
  const taken = new Set<string>(members)
  for (let index = 0xfffe; ; index--) {
    const id = replicaId(index)
    if (!taken.has(id)) return id
  }
}
