import { build } from "esbuild"

// Bundled entry points start in tens of milliseconds; the replica must say hello and
// win an election long before the harness's start_wait ends.
const entries = {
  "3700kvstore": "src/programs/replica/main.ts",
  kvsim: "src/programs/kvsim/main.ts",
  microbench: "src/programs/microbench/main.ts",
  campaign: "src/programs/campaign/main.ts"
}

await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    build({
      entryPoints: [entry],
      outfile: `dist/${name}.mjs`,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      minify: false,
      sourcemap: false,
      logLevel: "warning",
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
    })
  )
)
