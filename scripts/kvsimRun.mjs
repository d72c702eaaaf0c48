// Shared by scripts/bench.mjs and scripts/calibrate.mjs: running kvsim (the bundle, so
// `npm run build` first) and listing the standard configs.
import { execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"

export const KVSIM = "dist/kvsim.mjs"

/** `kvsim run <args…> --json`, parsed. kvsim exits 1 when a run fails correctness; the JSON on stdout still holds every run. */
export const kvsim = (args) => {
  try {
    return JSON.parse(execFileSync("node", [KVSIM, "run", ...args, "--json"], { encoding: "utf8", maxBuffer: 1 << 28 }))
  } catch (error) {
    if (typeof error.stdout === "string" && error.stdout.startsWith("{")) return JSON.parse(error.stdout)
    throw error
  }
}

/** The standard configs' names in the order kvsim's `all` runs them (src/harness/suite.ts). */
export const CATEGORIES = ["simple", "unreliable", "crash", "partition", "advanced"]
export const standardConfigs = (dir = "configs") =>
  readdirSync(dir)
    .map((file) => /^([a-z]+)-(\d+)\.json$/.exec(file))
    .filter((match) => match !== null && CATEGORIES.includes(match[1]))
    .sort((a, b) => CATEGORIES.indexOf(a[1]) - CATEGORIES.indexOf(b[1]) || Number(a[2]) - Number(b[2]))
    .map((match) => `${match[1]}-${match[2]}`)
