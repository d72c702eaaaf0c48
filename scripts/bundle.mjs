import { chmod } from "node:fs/promises"
import { build } from "esbuild"

const REQUIRE = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"

/**
 * One TypeScript entry point as a single ESM file for Node 20, with `require` for the CommonJS
 * parts of the dependencies. An `executable` one starts with a shebang, so that npm's bin link
 * (`npx kvsim`) can run it.
 */
export const bundle = async (entry, outfile, { executable = false } = {}) => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: false,
    sourcemap: false,
    logLevel: "warning",
    banner: { js: executable ? `#!/usr/bin/env node\n${REQUIRE}` : REQUIRE }
  })
  if (executable) await chmod(outfile, 0o755)
}
