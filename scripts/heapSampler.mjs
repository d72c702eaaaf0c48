// Loaded into a replica by scripts/memoryProbe.mjs (NODE_OPTIONS=--import=…), never by the
// replica itself: every 10 s, one stderr line with the process's resident memory and V8's heap,
// so that resident growth can be told apart from garbage V8 has not yet collected.
import { getHeapSpaceStatistics } from "node:v8"

const MIB = 1024 * 1024

setInterval(() => {
  const old = getHeapSpaceStatistics().find((space) => space.space_name === "old_space")
  const { rss, heapTotal, heapUsed } = process.memoryUsage()
  const sample = { rss, heapTotal, heapUsed, oldSize: old?.space_size ?? 0, oldUsed: old?.space_used_size ?? 0 }
  const fields = Object.entries(sample).map(([name, bytes]) => `${name}=${(bytes / MIB).toFixed(1)}`)
  process.stderr.write(`heap-sample ${fields.join(" ")}\n`)
}, 10_000).unref()
