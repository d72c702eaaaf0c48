// `npm run fuzz [-- --count N] [--seed S]`: bundles the hostile-datagram fuzzer afresh, so that it
// runs without `npm run build`; see src/programs/fuzz/fuzzMain.ts for what it sends and checks.
import { bundle } from "./bundle.mjs"
import { scriptArgs } from "./scriptArgs.mjs"

scriptArgs(
  "usage: npm run fuzz [-- --count N] [--seed S]\n" +
    "  --count N   hostile datagrams to send (default 1,000,000)\n" +
    "  --seed S    the campaign's seed (default 1); the same seed and count replay the same run",
  { valued: ["--count", "--seed"] }
)

await bundle("src/programs/fuzz/fuzzMain.ts", "dist/fuzz.mjs")
await import("../dist/fuzz.mjs")
