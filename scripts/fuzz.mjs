// `npm run fuzz [-- --count N] [--seed S]`: bundles the hostile-datagram campaign (test/fuzz)
// and runs it; see test/fuzz/main.ts for what it sends and what it checks.
import { bundle } from "./bundle.mjs"
import { scriptArgs } from "./scriptArgs.mjs"

scriptArgs(
  "usage: npm run fuzz [-- --count N] [--seed S]\n" +
    "  --count N   hostile datagrams to send (default 1,000,000)\n" +
    "  --seed S    the campaign's seed (default 1); the same seed and count replay the same run",
  { valued: ["--count", "--seed"] }
)

await bundle("test/fuzz/main.ts", "dist/fuzz.mjs")
await import("../dist/fuzz.mjs")
