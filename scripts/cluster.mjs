import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { localClusterFile } from "./localCluster.mjs"

/**
 * `npm run cluster`: three kvnode processes on this machine, from data/cluster.json (written,
 * with a random data/cluster.key, when absent). Each node's output is prefixed with its id.
 * Ctrl-C or SIGTERM stops them (SIGTERM, then SIGKILL after a grace period); if this script
 * dies, scripts/clusterReaper.mjs stops them.
 */
const DATA = "data"
const CLUSTER_FILE = join(DATA, "cluster.json")
const KEY_FILE = join(DATA, "cluster.key")
const BUNDLES = ["dist/kvnode.mjs", "dist/kv.mjs"]
const GRACE_MS = 5_000

const say = (line) => process.stderr.write(`cluster: ${line}\n`)

const newestUnder = (directory) =>
  Math.max(...readdirSync(directory, { recursive: true }).map((name) => statSync(join(directory, name)).mtimeMs))

const buildIfNeeded = () => {
  const stale = BUNDLES.some((bundle) => !existsSync(bundle) || statSync(bundle).mtimeMs < newestUnder("src"))
  if (!stale) return
  say("building")
  if (spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" }).status !== 0) process.exit(1)
  const missing = BUNDLES.filter((bundle) => !existsSync(bundle))
  if (missing.length > 0) {
    say(`${missing.join(", ")} not built: scripts/build.mjs has no entry for it`)
    process.exit(1)
  }
}

const writeIfAbsent = () => {
  mkdirSync(DATA, { recursive: true })
  if (!existsSync(CLUSTER_FILE)) {
    writeFileSync(CLUSTER_FILE, `${JSON.stringify(localClusterFile(), null, 2)}\n`)
    say(`wrote ${CLUSTER_FILE}`)
  }
  if (!existsSync(KEY_FILE)) {
    writeFileSync(KEY_FILE, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" })
    say(`wrote ${KEY_FILE} (a random key, mode 0600)`)
  }
}

/** Copies a stream to stderr line by line, each line behind `prefix`, so that nodes' lines never interleave mid-line. */
const prefixLines = (stream, prefix) =>
  createInterface({ input: stream }).on("line", (line) => process.stderr.write(`${prefix}${line}\n`))

buildIfNeeded()
writeIfAbsent()

const reaper = spawn(process.execPath, ["scripts/clusterReaper.mjs"], { stdio: ["pipe", "ignore", "inherit"] })
const nodes = new Map()
let stopping = false

const stop = (exitCode) => {
  if (stopping) return
  stopping = true
  say("stopping the nodes")
  for (const child of nodes.values()) child.kill("SIGTERM")
  setTimeout(() => {
    for (const child of nodes.values()) child.kill("SIGKILL")
  }, GRACE_MS).unref()
  const finish = () => {
    if (nodes.size > 0) return
    reaper.stdin.end()
    process.exitCode = exitCode
  }
  for (const child of nodes.values()) child.once("exit", finish)
  finish()
}

// The nodes and addresses come from the cluster file in use, which may be an edited one.
const cluster = JSON.parse(readFileSync(CLUSTER_FILE, "utf8"))
const ids = cluster.nodes.map((node) => node.id)

for (const id of ids) {
  // Each node in its own process group, so that a terminal's Ctrl-C reaches this script alone
  // and the nodes are stopped in order, by the signal the script chooses.
  const child = spawn(
    process.execPath,
    ["dist/kvnode.mjs", "--id", id, "--cluster", CLUSTER_FILE, "--data", join(DATA, id)],
    { stdio: ["ignore", "pipe", "pipe"], detached: true }
  )
  nodes.set(id, child)
  reaper.stdin.write(`${child.pid}\n`)
  prefixLines(child.stdout, `[${id}] `)
  prefixLines(child.stderr, `[${id}] `)
  child.on("exit", (code, signal) => {
    nodes.delete(id)
    if (!stopping) say(`node ${id} exited (${signal ?? `code ${code}`}); ${nodes.size} still running`)
    if (!stopping && nodes.size === 0) stop(1)
  })
}

process.on("SIGINT", () => stop(130))
process.on("SIGTERM", () => stop(143))
process.on("SIGHUP", () => stop(129))

const endpoints = cluster.nodes.map(({ http }) => `http://${http.host.includes(":") ? `[${http.host}]` : http.host}:${http.port}`).join(",")
const defaults = localClusterFile().nodes.map(({ http }) => `http://${http.host}:${http.port}`).join(",")
const flag = endpoints === defaults ? "" : ` --endpoints ${endpoints}`
say(`nodes ${ids.join(", ")} starting; client API at ${endpoints.replaceAll(",", " ")}`)
say(`try: node dist/kv.mjs put greeting hello${flag}; node dist/kv.mjs get greeting${flag}; node dist/kv.mjs status${flag}`)
say("Ctrl-C stops them")
