// `npm run fuzz [-- --count N] [--seed S]`: bundles the hostile-datagram campaign (test/fuzz)
// and runs it; see test/fuzz/main.ts for what it sends and what it checks.
import { bundle } from "./bundle.mjs"

await bundle("test/fuzz/main.ts", "dist/fuzz.mjs")
await import("../dist/fuzz.mjs")
