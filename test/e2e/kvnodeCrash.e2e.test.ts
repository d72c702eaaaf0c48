import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { freePorts } from "../support/peers.ts"

/**
 * The built `kvnode` as a user runs it: three processes on their own data directories, every
 * one of them killed with SIGKILL after puts were acknowledged, then started again. What was
 * acknowledged must all be read back, which only their disks can give them.
 */
const IDS = ["0001", "0002", "0003"] as const
const PUTS = 20
/** Start-up, an election and a lease on a loaded 2-core machine take seconds; this bounds a hang, not a speed. */
const PATIENCE_MS = 30_000

const dir = mkdtempSync(path.join(tmpdir(), "kvnode-crash-"))
const running = new Set<ChildProcess>()
afterAll(() => {
  for (const node of running) node.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

const freeTcpPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const start = (clusterFile: string, id: string): ChildProcess => {
  const node = spawn(process.execPath, ["dist/kvnode.mjs", "--id", id, "--cluster", clusterFile, "--data", path.join(dir, id)], {
    stdio: ["ignore", "ignore", "ignore"]
  })
  running.add(node)
  node.once("exit", () => running.delete(node))
  return node
}

const killHard = (node: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (node.exitCode !== null || node.signalCode !== null) return resolve()
    node.once("exit", () => resolve())
    node.kill("SIGKILL")
  })

const statusOf = async (url: string): Promise<{ readonly role: string; readonly commitIndex: number } | undefined> => {
  try {
    const response = await fetch(new URL("/status", url), { signal: AbortSignal.timeout(1_000) })
    return response.ok ? ((await response.json()) as { role: string; commitIndex: number }) : undefined
  } catch {
    return undefined
  }
}

/** The leader's URL once one leads and has committed its term's first entry. */
const leaderOf = async (urls: ReadonlyArray<string>): Promise<string> => {
  const deadline = Date.now() + PATIENCE_MS
  while (Date.now() < deadline) {
    for (const url of urls) {
      const status = await statusOf(url)
      if (status?.role === "leader" && status.commitIndex > 0) return url
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no leader within ${PATIENCE_MS} ms`)
}

describe("kvnode processes killed with SIGKILL", () => {
  it("keep every acknowledged put across a crash of the whole cluster", async () => {
    const peerPorts = await Effect.runPromise(freePorts(IDS.length))
    const httpPorts = await Promise.all(IDS.map(() => freeTcpPort()))
    const keyFile = path.join(dir, "cluster.key")
    writeFileSync(keyFile, randomBytes(32).toString("hex"), { mode: 0o600 })
    const clusterFile = path.join(dir, "cluster.json")
    writeFileSync(
      clusterFile,
      JSON.stringify({
        cluster: "crash-test",
        key: { file: keyFile },
        nodes: IDS.map((id, i) => ({
          id,
          peer: { host: "127.0.0.1", port: peerPorts[i] },
          http: { host: "127.0.0.1", port: httpPorts[i] }
        }))
      })
    )
    const urls = httpPorts.map((port) => `http://127.0.0.1:${port}`)

    let nodes = IDS.map((id) => start(clusterFile, id))
    const leader = await leaderOf(urls)
    for (let i = 0; i < PUTS; i++) {
      const response = await fetch(new URL(`/kv/key${i}`, leader), {
        method: "PUT",
        body: `value${i}`,
        headers: { "Client-Id": "crash-test", "Client-Sequence": String(i + 1) }
      })
      expect(response.status).toBe(204)
    }

    await Promise.all(nodes.map(killHard))
    nodes = IDS.map((id) => start(clusterFile, id))
    const next = await leaderOf(urls)
    const values = await Promise.all(
      Array.from({ length: PUTS }, async (_, i) => {
        const response = await fetch(new URL(`/kv/key${i}`, next))
        return `${response.status} ${await response.text()}`
      })
    )
    expect(values).toEqual(Array.from({ length: PUTS }, (_, i) => `200 value${i}`))
    await Promise.all(nodes.map(killHard))
  }, 2 * PATIENCE_MS + 20_000)
})
