import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { STOP_GRACE_MS } from "../../src/harness/replicaProcess.ts"
import { childrenOf, isRunning } from "../support/processes.ts"
import { testConfig } from "./scripted.ts"

/**
 * The kvsim command (the bundle `npm ci` builds) stopped by a signal mid-run: it must stop its
 * replicas — even ones that ignore SIGTERM — and exit 130, as shells report an interrupted job.
 */
const deafFixture = fileURLToPath(new URL("../fixtures/sigtermIgnoringReplica.mjs", import.meta.url))
const failingPreload = fileURLToPath(new URL("../fixtures/failingKvsimPreload.mjs", import.meta.url))
const dir = mkdtempSync(path.join(tmpdir(), "kvsim-signals-"))
const configFile = path.join(dir, "long.json")
writeFileSync(configFile, JSON.stringify(testConfig({ replicas: 3, lifetime: 60, start_wait: 0.5 })))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Those of `pids` still running, each killed on the way so that a failing test leaves nothing behind. */
const stillRunning = (pids: ReadonlyArray<number>): ReadonlyArray<number> =>
  pids.filter((pid) => {
    if (!isRunning(pid)) return false
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // It exited just now.
    }
    return true
  })

const interrupted = (signal: NodeJS.Signals) =>
  new Promise<{ readonly code: number | null; readonly exitMs: number; readonly replicas: number; readonly left: number }>((resolve, reject) => {
    chmodSync(deafFixture, 0o755)
    const kvsim = spawn(process.execPath, ["dist/kvsim.mjs", "run", configFile, "--replica", deafFixture, "--seed", "1"], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    const replicasOf = () => childrenOf(kvsim.pid ?? -1).filter((child) => child.args.includes(deafFixture))
    let replicas: ReadonlyArray<{ readonly pid: number }> = []
    let signalledAt = 0
    // The first progress line comes a second in, when every replica has been started.
    kvsim.stderr.once("data", () => {
      replicas = replicasOf()
      signalledAt = performance.now()
      kvsim.kill(signal)
    })
    kvsim.once("error", reject)
    kvsim.once("exit", (code) => {
      const left = stillRunning(replicas.map(({ pid }) => pid))
      resolve({ code, exitMs: performance.now() - signalledAt, replicas: replicas.length, left: left.length })
    })
  })

describe("kvsim under a signal", () => {
  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("on %s stops every replica, even one deaf to SIGTERM, and exits 130", async (signal) => {
    const outcome = await interrupted(signal)
    expect(outcome).toMatchObject({ code: 130, replicas: 3, left: 0 })
    expect(outcome.exitMs).toBeLessThan(STOP_GRACE_MS + 1_500)
  }, 20_000)
})

describe("kvsim failing inside", () => {
  it("kills every replica, even one deaf to SIGTERM, on an error nobody catches, and exits 1 naming it", async () => {
    chmodSync(deafFixture, 0o755)
    const kvsim = spawn(process.execPath, ["--import", failingPreload, "dist/kvsim.mjs", "run", configFile, "--replica", deafFixture, "--seed", "1"], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    const seen = new Set<number>()
    const watch = setInterval(() => {
      for (const child of childrenOf(kvsim.pid ?? -1)) if (child.args.includes(deafFixture)) seen.add(child.pid)
    }, 50)
    let stderr = ""
    kvsim.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const code = await new Promise<number | null>((resolve, reject) => {
      kvsim.once("error", reject)
      kvsim.once("exit", resolve)
    })
    clearInterval(watch)
    expect(seen.size).toBe(3)
    expect(stillRunning([...seen])).toEqual([])
    expect(code).toBe(1)
    expect(stderr).toContain("kvsim: Error: injected failure")
  }, 20_000)
})

describe("kvsim whose reader goes away", () => {
  it("stops every replica when its stdout pipe breaks (kvsim … | head), instead of dying and leaving them running", async () => {
    const shortConfig = path.join(dir, "short.json")
    writeFileSync(shortConfig, JSON.stringify(testConfig({ replicas: 3, lifetime: 1, start_wait: 0.3, end_wait: 0.2 })))
    chmodSync(deafFixture, 0o755)
    const kvsim = spawn(process.execPath, ["dist/kvsim.mjs", "run", shortConfig, "--replica", deafFixture, "--seed", "1", "--runs", "4"], {
      stdio: ["ignore", "pipe", "ignore"]
    })
    const seen = new Set<number>()
    const watch = setInterval(() => {
      for (const child of childrenOf(kvsim.pid ?? -1)) if (child.args.includes(deafFixture)) seen.add(child.pid)
    }, 100)
    // The reader reads the first run's scorecard and goes, as `head` does.
    kvsim.stdout.once("data", () => kvsim.stdout.destroy())
    const code = await new Promise<number | null>((resolve, reject) => {
      kvsim.once("error", reject)
      kvsim.once("exit", resolve)
    })
    clearInterval(watch)
    const left = stillRunning([...seen])
    expect(seen.size).toBeGreaterThanOrEqual(6)
    expect(left).toEqual([])
    expect(code).toBe(130)
  }, 40_000)
})

describe("kvsim in virtual mode", () => {
  /** Whole, `run all --virtual --seeds 1..40` takes 25 s or more; stopped, it must end within a run or two. */
  const stoppedAfterFirstLine = (stop: (kvsim: ReturnType<typeof spawn>) => void) =>
    new Promise<{ readonly code: number | null; readonly exitMs: number }>((resolve, reject) => {
      const kvsim = spawn(process.execPath, ["dist/kvsim.mjs", "run", "all", "--virtual", "--seeds", "1..40"], {
        stdio: ["ignore", "pipe", "ignore"]
      })
      let stoppedAt = 0
      kvsim.stdout?.once("data", () => {
        stoppedAt = performance.now()
        stop(kvsim)
      })
      kvsim.once("error", reject)
      kvsim.once("exit", (code) => resolve({ code, exitMs: performance.now() - stoppedAt }))
    })

  it.each(["SIGINT", "SIGTERM"] as const)("on %s stops before the next run and exits 130, though a virtual run waits on nothing", async (signal) => {
    const outcome = await stoppedAfterFirstLine((kvsim) => kvsim.kill(signal))
    expect(outcome.code).toBe(130)
    expect(outcome.exitMs).toBeLessThan(5_000)
  }, 60_000)

  it("stops when its stdout pipe breaks, and exits 130", async () => {
    const outcome = await stoppedAfterFirstLine((kvsim) => kvsim.stdout?.destroy())
    expect(outcome.code).toBe(130)
    expect(outcome.exitMs).toBeLessThan(5_000)
  }, 60_000)
})
