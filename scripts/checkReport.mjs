// `npm run check:report [-- --real] [--config NAME] [--seed S] [--screenshot FILE]`: opens the
// report page of a kvsim run in headless Chromium and fails if the browser logs any error, or
// if the page did not come out whole (every chart drawn, no parser error). Saves a screenshot.
// Installs Debian's chromium when it is missing (needs root and the package mirror), so it is a
// script and not part of `npm test`. Node's standard library only.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { scriptArgs } from "./scriptArgs.mjs"

const USAGE = `usage: npm run check:report -- [--real] [--config NAME] [--seed S] [--screenshot FILE]
  --real             run kvsim in real mode (processes over UDP) instead of --virtual
  --config NAME      a config in configs/ (default crash-4)
  --seed S           the run's seed (default 1)
  --screenshot FILE  where to save the page's screenshot (default docs/report-crash-4.png)
  --help             print this and exit`

const parsed = scriptArgs(USAGE, { valued: ["--config", "--seed", "--screenshot"], switches: ["--real"] })
const config = parsed.values.config ?? "crash-4"
const seed = parsed.values.seed ?? "1"
const screenshot = path.resolve(parsed.values.screenshot ?? `docs/report-${config}.png`)
const fail = (reason) => {
  process.stderr.write(`check:report: ${reason}\n`)
  process.exit(1)
}

const browser = () => ["chromium", "chromium-browser"].find((name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0)
if (browser() === undefined) {
  process.stderr.write("check:report: installing Debian's chromium (apt-get)…\n")
  const install = spawnSync("sh", ["-c", "apt-get update && apt-get install -y chromium"], { stdio: "inherit" })
  if (install.status !== 0) fail("could not install chromium with apt-get")
}
const chromium = browser() ?? fail("no chromium after installing it")
if (!existsSync("dist/kvsim.mjs")) fail("dist/kvsim.mjs is missing: run `npm run build` first")

const out = mkdtempSync(path.join(os.tmpdir(), "kvsim-report-"))
try {
  const mode = parsed.switches.has("real") ? [] : ["--virtual"]
  const run = spawnSync(process.execPath, ["dist/kvsim.mjs", "run", `configs/${config}.json`, "--seed", seed, ...mode, "--out", out], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  if (run.status !== 0 && run.status !== 1) fail(`kvsim exited ${run.status}`)
  const page = path.join(out, `${config}-${seed}`, "report.html")
  if (!existsSync(page)) fail(`no report page at ${page}`)
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
  const url = `file://${page}`
  const dom = spawnSync(chromium, [...flags, "--dump-dom", url], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
  if (dom.status !== 0) fail(`chromium --dump-dom exited ${dom.status}: ${dom.stderr}`)
  const errors = (dom.stderr ?? "").split("\n").filter((line) => /CONSOLE|Uncaught|:ERROR:.*(?:page|render|blink)/i.test(line))
  if (errors.length > 0) fail(`the browser logged errors:\n${errors.join("\n")}`)
  const expected = (readFileSync(page, "utf8").match(/<svg /g) ?? []).length
  const drawn = (dom.stdout.match(/<svg /g) ?? []).length
  if (expected < 3 || drawn !== expected) fail(`${drawn} charts in the browser's DOM, ${expected} in the page`)
  if (/parsererror/i.test(dom.stdout)) fail("the browser reports a parser error in the page")
  execFileSync(chromium, [...flags, `--screenshot=${screenshot}`, "--window-size=1000,2600", url], { stdio: "ignore", timeout: 120_000 })
  if (!existsSync(screenshot)) fail("chromium saved no screenshot")
  process.stdout.write(`report page OK: ${drawn} charts, no browser errors; screenshot ${screenshot}\n`)
} finally {
  rmSync(out, { recursive: true, force: true })
}
