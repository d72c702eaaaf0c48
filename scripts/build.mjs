import { bundle } from "./bundle.mjs"

// Bundled entry points start in tens of milliseconds; the replica must say hello and
// win an election long before the harness's start_wait ends.
const entries = {
  "3700kvstore": "src/programs/replica/main.ts",
  kvsim: "src/programs/kvsim/main.ts",
  microbench: "src/programs/microbench/main.ts",
  campaign: "src/programs/campaign/main.ts"
}

await Promise.all(Object.entries(entries).map(([name, entry]) => bundle(entry, `dist/${name}.mjs`, { executable: name === "kvsim" })))
