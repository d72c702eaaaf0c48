/**
 * The three-node cluster `npm run cluster` runs on this machine: ids 0001 to 0003, peers on UDP
 * 7401 to 7403 and client APIs on HTTP 8401 to 8403 of 127.0.0.1, the key in data/cluster.key.
 * kv's default --endpoints (src/programs/kv/localEndpoints.ts) are these HTTP addresses.
 */
export const LOCAL_IDS = ["0001", "0002", "0003"]

export const localClusterFile = () => ({
  cluster: "kv-local",
  key: { file: "cluster.key" },
  nodes: LOCAL_IDS.map((id, index) => ({
    id,
    peer: { host: "127.0.0.1", port: 7401 + index },
    http: { host: "127.0.0.1", port: 8401 + index }
  }))
})
