import { createInterface } from "node:readline"

/**
 * Started by scripts/cluster.mjs with a pipe on stdin, over which it is told the nodes' pids.
 * The pipe closes when the script exits, however it exits (a SIGKILL included): any node still
 * running then is the script's orphan, and is stopped here, SIGKILL after a grace period.
 */
const GRACE_MS = 3_000
const pids = new Set()

const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const signal = (pid, name) => {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}

// The terminal's Ctrl-C and hang-up are for the script, which stops the nodes itself.
process.on("SIGINT", () => {})
process.on("SIGHUP", () => {})

createInterface({ input: process.stdin })
  .on("line", (line) => pids.add(Number(line)))
  .on("close", () => {
    const orphans = [...pids].filter(alive)
    if (orphans.length === 0) process.exit(0)
    for (const pid of orphans) signal(pid, "SIGTERM")
    setTimeout(() => {
      for (const pid of orphans.filter(alive)) signal(pid, "SIGKILL")
      process.exit(0)
    }, GRACE_MS)
  })
