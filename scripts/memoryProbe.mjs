// `node scripts/memoryProbe.mjs [--seconds S] [--rate R] [--replica PATH]`: one real replica
// (default ./3700kvstore) as the follower 0001 of a five-replica cluster whose leader, 0000, is
// this script. It sends the replica R appends a second (default 300), each one put over 2,000
// keys and each committing the one before, for S seconds (default 180), and prints, every
// 10 s, the replica's resident memory beside its V8 heap (scripts/heapSampler.mjs, loaded
// through NODE_OPTIONS). A follower's memory without the rest of a cluster, for telling growth
// that stays apart from garbage V8 has not collected yet (docs/performance/memory.md).
import { spawn } from "node:child_process"
import { createSocket } from "node:dgram"
import path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { scriptArgs } from "./scriptArgs.mjs"

const { values } = scriptArgs(
  "usage: node scripts/memoryProbe.mjs [--seconds S] [--rate R] [--replica PATH]\n" +
    "  --seconds S     how long to run (default 180)\n" +
    "  --rate R        appends a second, at least 100 (default 300)\n" +
    "  --replica PATH  the replica to probe (default ./3700kvstore)",
  { valued: ["--seconds", "--rate", "--replica"] }
)
const option = (name, fallback) => values[name.slice(2)] ?? fallback
const seconds = Number(option("--seconds", "180"))
const rate = Number(option("--rate", "300"))
if (!(seconds > 0) || !(rate >= 100)) throw new Error("--seconds must be positive and --rate at least 100")
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const replica = path.resolve(option("--replica", path.join(root, "3700kvstore")))
const sampler = path.join(root, "scripts", "heapSampler.mjs")

const KEYS = 2_000
const TICK_MS = 10
const LEADER = "0000"
const FOLLOWER = "0001"

const socket = createSocket("udp4")
await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve))
const child = spawn(replica, [String(socket.address().port), FOLLOWER, LEADER, "0002", "0003", "0004"], {
  stdio: ["ignore", "ignore", "pipe"],
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${sampler}` }
})

let finished = false
child.on("exit", (code, signal) => {
  if (finished) return
  process.stderr.write(`memory-probe: ${replica} exited early (${signal ?? code})\n`)
  process.exit(1)
})

let replicaPort
let answers = 0
socket.on("message", (datagram, sender) => {
  const message = JSON.parse(datagram.toString("utf8"))
  if (message.type === "hello") replicaPort = sender.port
  else if (message.type === "appended") answers++
})
while (replicaPort === undefined) await new Promise((resolve) => setTimeout(resolve, 10))

let sent = 0
const startedAt = Date.now()
const append = (index) => ({
  src: LEADER,
  dst: FOLLOWER,
  leader: LEADER,
  type: "append",
  term: 1,
  prevIndex: index,
  prevTerm: index === 0 ? 0 : 1,
  entries: [{ t: 1, k: `key${index % KEYS}`, v: `value${index}`, c: "1000", m: `mid${index}` }],
  commit: index,
  at: Date.now(),
  ack: false
})
const ticker = setInterval(() => {
  for (let i = 0; i < (rate * TICK_MS) / 1000; i++) socket.send(JSON.stringify(append(sent++)), replicaPort, "127.0.0.1")
}, TICK_MS)

console.log(`${replica} as follower ${FOLLOWER}: ${rate} appends/s for ${seconds} s (MiB)`)
console.log("| s | appends | answers | resident | V8 heap | heap used | old space | old space used |")
console.log("|---|---|---|---|---|---|---|---|")
createInterface({ input: child.stderr }).on("line", (line) => {
  if (!line.startsWith("heap-sample ")) return
  const sample = Object.fromEntries(line.slice("heap-sample ".length).split(" ").map((field) => field.split("=")))
  const at = Math.round((Date.now() - startedAt) / 1000)
  const { rss, heapTotal, heapUsed, oldSize, oldUsed } = sample
  console.log(`| ${at} | ${sent} | ${answers} | ${rss} | ${heapTotal} | ${heapUsed} | ${oldSize} | ${oldUsed} |`)
})

setTimeout(() => {
  finished = true
  clearInterval(ticker)
  child.kill("SIGTERM")
  socket.close()
}, seconds * 1000)
