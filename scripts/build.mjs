import { bundle } from "./bundle.mjs"

// Bundled entry points start in tens of milliseconds; the replica must say hello and
// win an election long before the harness's start_wait ends.
const entries = {
  "3700kvstore": "src/programs/replica/replicaMain.ts",
  kvsim: "src/programs/kvsim/kvsimMain.ts",
  microbench: "src/programs/microbench/microbenchMain.ts",
  campaign: "src/programs/campaign/campaignMain.ts",
  fuzz: "src/programs/fuzz/fuzzMain.ts",
  kv: "src/programs/kv/kvMain.ts",
  kvnode: "src/programs/kvnode/kvnodeMain.ts",
  nemesis: "src/programs/nemesis/nemesisMain.ts",
  etcdBench: "src/programs/etcdBench/etcdBenchMain.ts"
}

const executables = new Set(["kvsim", "kv", "kvnode"])
await Promise.all(Object.entries(entries).map(([name, entry]) => bundle(entry, `dist/${name}.mjs`, { executable: executables.has(name) })))
