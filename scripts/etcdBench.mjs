import { spawnSync } from "node:child_process"

/**
 * `npm run bench:etcd -- [options]`: installs etcd from Debian's packages when it is not on PATH
 * (the benchmark's own dependency, never npm ci's), builds the bundles, and runs
 * dist/etcdBench.mjs with the options given (`--help` lists them).
 */
const say = (line) => process.stderr.write(`bench:etcd: ${line}\n`)
const run = (command, args) => spawnSync(command, args, { stdio: "inherit" }).status === 0

const passThrough = process.argv.slice(2)
const etcdFlag = passThrough.findIndex((arg) => arg === "--etcd" || arg.startsWith("--etcd="))
const etcdArg = passThrough[etcdFlag] ?? ""
const etcd = etcdFlag < 0 ? "etcd" : etcdArg.startsWith("--etcd=") ? etcdArg.slice("--etcd=".length) : passThrough[etcdFlag + 1]
const asksForHelp = passThrough.some((arg) => arg === "--help" || arg === "-h" || arg === "--version")

if (!asksForHelp && spawnSync(etcd, ["--version"], { stdio: "ignore" }).status !== 0) {
  if (process.getuid?.() !== 0) {
    say(`${etcd} is not installed; as root: apt-get update && apt-get install -y etcd-server`)
    process.exit(1)
  }
  say("installing etcd-server from Debian's packages")
  if (!run("apt-get", ["update"]) || !run("apt-get", ["install", "-y", "etcd-server"])) process.exit(1)
}
if (!run(process.execPath, ["scripts/build.mjs"])) process.exit(1)
process.exit(spawnSync(process.execPath, ["dist/etcdBench.mjs", ...passThrough], { stdio: "inherit" }).status ?? 1)
