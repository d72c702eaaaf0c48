/**
 * The client API addresses of the three nodes `npm run cluster` starts (scripts/localCluster.mjs
 * writes them into data/cluster.json; a test keeps the two lists equal).
 */
export const LOCAL_ENDPOINTS: ReadonlyArray<string> = ["http://127.0.0.1:8401", "http://127.0.0.1:8402", "http://127.0.0.1:8403"]
