import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseArgs as parseCampaignArgs } from "../../src/programs/campaign/campaignArgs.ts"
import type { CommandLine } from "../../src/programs/commandLine/readCommandLine.ts"
import { parseArgs } from "../../src/programs/kvsim/kvsimArgs.ts"
import { standardSuite } from "../../src/harness/suite.ts"

const read = (argv: ReadonlyArray<string>) => Effect.runPromise(parseArgs(argv, 77))
const ran = <A>(line: CommandLine<A>): A => {
  if (line._tag !== "Run") throw new Error(`expected a run, got ${JSON.stringify(line)}`)
  return line.value
}
const reason = <A>(line: CommandLine<A>): string => (line._tag === "Refused" ? line.reason : `not refused: ${line._tag}`)
const parsed = async (argv: ReadonlyArray<string>) => ran(await read(argv))
const error = async (argv: ReadonlyArray<string>) => reason(await read(argv))
const helpOf = async (argv: ReadonlyArray<string>) => {
  const line = await read(argv)
  return line._tag === "Help" ? line.text : `not help: ${line._tag}`
}

describe("kvsim arguments", () => {
  it("defaults: ./3700kvstore, ./configs, one run with the shell's seed", async () => {
    expect(await parsed(["run", "configs/simple-1.json"])).toEqual({
      target: { _tag: "File", path: "configs/simple-1.json" },
      replica: "./3700kvstore",
      seeds: [77],
      json: false,
      virtual: false,
      configsDir: "./configs",
      logDir: undefined,
      outDir: undefined
    })
  })

  it("turns --seed/--runs and --seeds into the list of seeds", async () => {
    expect((await parsed(["run", "all", "--seed", "5", "--runs", "3"])).seeds).toEqual([5, 6, 7])
    expect(await parsed(["run", "all", "--seeds", "10..12", "--json", "--virtual"])).toMatchObject({
      target: { _tag: "All" },
      seeds: [10, 11, 12],
      json: true,
      virtual: true
    })
  })

  it("takes options before or after the target, and --name=value", async () => {
    expect(await parsed(["run", "--seed=9", "--json", "configs/simple-2.json", "--replica", "./r"])).toMatchObject({
      target: { _tag: "File", path: "configs/simple-2.json" },
      seeds: [9],
      json: true,
      replica: "./r"
    })
  })

  it("rejects bad usage with a reason", async () => {
    expect(await error([])).toBe("missing command")
    expect(await error(["go", "all"])).toBe("Invalid subcommand for kvsim - use 'run'")
    expect(await error(["run"])).toBe("Missing argument <config.json | all>")
    expect(await error(["run", "a.json", "b.json"])).toBe(`unexpected argument "b.json"`)
    expect(await error(["run", "all", "--fast"])).toBe(`unknown option "--fast"`)
    expect(await error(["run", "all", "--seed"])).toBe("--seed needs a value")
    expect(await error(["run", "all", "--seed", "x"])).toMatch(/is not a seed/)
    expect(await error(["run", "all", "--runs", "0"])).toMatch(/is not a positive count/)
    expect(await error(["run", "all", "--seeds", "5..2"])).toMatch(/is not a range/)
    expect(await error(["run", "all", "--seeds", "1..2", "--seed", "1"])).toMatch(/cannot be combined/)
    expect(await error(["run", "all", "--virtual", "--logs", "d"])).toMatch(/real runs only/)
    expect(await error(["run", "all", "--out", "d", "--logs", "e"])).toMatch(/--out already keeps the replicas' logs/)
  })

  it("refuses an unknown option wherever it stands, a repeated one, and options in another case", async () => {
    expect(await error(["run", "--fast", "all"])).toBe(`unknown option "--fast"`)
    expect(await error(["--fast", "run", "all"])).toBe(`unknown option "--fast"`)
    expect(await error(["run", "all", "--JSON"])).toBe(`unknown option "--JSON"`)
    expect(await error(["run", "all", "--seed", "1", "--seed", "2"])).toBe("--seed may be given only once")
    expect(await error(["run", "all", "--json", "--json"])).toBe("--json may be given only once")
    // A value that looks like an option is the option's value, judged as one.
    expect(await error(["run", "all", "--seed", "-3"])).toMatch(/"-3" is not a seed/)
  })

  it("refuses --virtual with a replica of someone else's: virtual mode can only run ours, in-process", async () => {
    expect(await error(["run", "all", "--virtual", "--replica", "./my-replica"])).toMatch(/cannot run \.\/my-replica; drop --virtual/)
    expect((await parsed(["run", "all", "--virtual", "--replica", "./3700kvstore"])).virtual).toBe(true)
    expect((await parsed(["run", "all", "--replica", "./my-replica"])).replica).toBe("./my-replica")
  })

  it("answers --help, anywhere, with plain text that describes every option and the exit statuses", async () => {
    const help = await helpOf(["run", "all", "--fast", "--help"])
    expect(help).toMatch(/^usage: kvsim run \[--replica PATH\] /)
    for (const option of ["--replica PATH", "--configs DIR", "--seed S", "--runs N", "--seeds A..B", "--virtual", "--json", "--logs DIR", "--out DIR"]) {
      expect(help).toContain(`\n${option}\n`)
    }
    expect(help).toContain("0 every run passed, 1 some run failed, 2 usage error, 3 every run passed its checks")
    expect(help).not.toContain("\u001b")
    expect(help).not.toContain("A user-defined piece of text")
    expect(await helpOf(["-h"])).toContain("`kvsim run --help` describes run's options")
    expect((await read(["--version"]))._tag).toBe("Version")
  })

  it("refuses @effect/cli's other built-ins, so none can start a run: --wizard would prompt and then offer to run", async () => {
    expect(await error(["run", "all", "--wizard"])).toBe(`unknown option "--wizard"`)
    expect(await error(["--wizard"])).toBe(`unknown option "--wizard"`)
    expect(await error(["run", "all", "--completions", "bash"])).toBe(`unknown option "--completions"`)
    expect(await error(["run", "all", "--log-level", "debug"])).toBe(`unknown option "--log-level"`)
  })
})

describe("campaign arguments", () => {
  const readCampaign = (argv: ReadonlyArray<string>) => Effect.runPromise(parseCampaignArgs(argv))
  it("needs --seeds A..B; --configs defaults to configs", async () => {
    expect(ran(await readCampaign(["--seeds", "3..5"]))).toEqual({ seeds: { from: 3, to: 5 }, configsDir: "configs" })
    expect(ran(await readCampaign(["--configs", "c", "--seeds", "1..1"])).configsDir).toBe("c")
    expect(reason(await readCampaign([]))).toMatch(/'--seeds'/)
    expect(reason(await readCampaign(["--seeds", "5..2"]))).toMatch(/is not a range/)
    expect(reason(await readCampaign(["--seed", "1..2"]))).toBe(`unknown option "--seed"`)
  })
})

describe("the kvsim bundle", () => {
  it("starts with a shebang and is executable, so npm's bin link runs it; --version names the package's", () => {
    const bundle = "dist/kvsim.mjs"
    expect(readFileSync(bundle, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
    expect(statSync(bundle).mode & 0o111).not.toBe(0)
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string }
    expect(execFileSync(bundle, ["--version"], { encoding: "utf8" })).toBe(`kvsim ${version}\n`)
  })

  it("says one thing on stderr for a usage mistake and exits 2 without running: --wizard neither prompts nor runs", () => {
    const run = spawnSync(process.execPath, ["dist/kvsim.mjs", "run", "configs/simple-1.json", "--wizard"], { encoding: "utf8", timeout: 10_000 })
    expect(run.status).toBe(2)
    expect(run.stdout).toBe("")
    const [first, ...rest] = run.stderr.trimEnd().split("\n")
    expect(first).toBe(`kvsim: unknown option "--wizard"`)
    expect(rest.filter((line) => line.startsWith("kvsim:"))).toEqual([])
    expect(rest[0]).toMatch(/^usage: kvsim run /)
  })
})

describe("the campaign bundle", () => {
  it("says in one line on stderr, and exits 2, when its configs directory is missing or holds no standard config", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "campaign-configs-"))
    try {
      const campaign = (configs: string) =>
        spawnSync(process.execPath, ["dist/campaign.mjs", "--seeds", "1..1", "--configs", configs], { encoding: "utf8", timeout: 10_000 })
      const missing = path.join(dir, "missing")
      const gone = campaign(missing)
      expect(gone.status).toBe(2)
      expect(gone.stdout).toBe("")
      expect(gone.stderr).toMatch(new RegExp(`^campaign: cannot list configs in ${missing}: ENOENT[^\n]*\n$`))
      const empty = campaign(dir)
      expect(empty.status).toBe(2)
      expect(empty.stderr).toBe(`campaign: no standard configs (simple-1.json, ...) in ${dir}\n`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

interface Totals {
  readonly totalMsgs: number
  readonly droppedMsgs: number
  readonly blockedMsgs: number
  readonly duplicates: number
}

describe("kvsim --out", () => {
  it("writes each run's result.json (with its schema version), its whole history, every datagram and every event, one folder per config and seed", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "kvsim-out-"))
    try {
      const run = spawnSync(process.execPath, ["dist/kvsim.mjs", "run", "configs/advanced-1.json", "--virtual", "--seeds", "3..4", "--out", out], {
        encoding: "utf8",
        timeout: 60_000
      })
      expect(run.status).toBe(0)
      expect(readdirSync(out).sort()).toEqual(["advanced-1-3", "advanced-1-4"])
      const dir = path.join(out, "advanced-1-4")
      const result = JSON.parse(readFileSync(path.join(dir, "result.json"), "utf8")) as {
        schemaVersion: number
        seed: number
        stats: { operations: number; puts: { ok: number }; gets: { ok: number } } & Totals
      }
      const totals: Totals = result.stats
      expect(result).toMatchObject({ schemaVersion: 1, seed: 4 })
      const lines = readFileSync(path.join(dir, "history.jsonl"), "utf8").trimEnd().split("\n")
      const ops = lines.map((line) => JSON.parse(line) as { id: number; kind: string; outcome: string; invokedAtMs: number; respondedAtMs: number | null })
      expect(ops).toHaveLength(result.stats.operations)
      expect(ops.map((op) => op.id)).toEqual(ops.map((_, i) => i))
      const completed = ops.filter((op) => op.outcome === "ok")
      expect(completed.filter((op) => op.kind === "put")).toHaveLength(result.stats.puts.ok)
      expect(completed.filter((op) => op.kind === "get")).toHaveLength(result.stats.gets.ok)
      for (const op of completed) expect(op.respondedAtMs).toBeGreaterThanOrEqual(op.invokedAtMs)

      const jsonl = <T>(file: string): ReadonlyArray<T> =>
        readFileSync(path.join(dir, file), "utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as T)
      const replicas = new Set(["0000", "0001", "0002", "0003", "0004"])
      const messages = jsonl<{ atMs: number; src: string; dst: string; type: string; bytes: number; fate: string }>("messages.jsonl")
      const between = messages.filter((m) => replicas.has(m.src) && replicas.has(m.dst))
      expect(between).toHaveLength(totals.totalMsgs)
      // advanced-1 drops 10% and partitions twice: both fates occur.
      expect(totals.droppedMsgs).toBeGreaterThan(0)
      expect(totals.blockedMsgs).toBeGreaterThan(0)
      expect(between.filter((m) => m.fate === "dropped")).toHaveLength(totals.droppedMsgs)
      expect(between.filter((m) => m.fate === "blocked")).toHaveLength(totals.blockedMsgs)
      const toClients = messages.filter((m) => !replicas.has(m.dst) && m.type !== "hello")
      expect(toClients.filter((m) => m.type === "ok")).toHaveLength(result.stats.puts.ok + result.stats.gets.ok + totals.duplicates)
      expect(messages.filter((m) => m.type === "hello")).toHaveLength(5)
      for (const m of messages) expect(m.bytes).toBeGreaterThan(0)
      const events = jsonl<{ atMs: number; kind: string; replica?: string; leader?: string | null }>("events.jsonl")
      expect(events.map((e) => e.kind).filter((kind) => kind !== "leader")).toEqual(["partition", "heal", "partition", "heal", "kill"])
      const kills = events.filter((e) => e.kind === "kill")
      // kill_leader kills the leader the harness believes in, which it learned from a leader event before.
      const believed = events.slice(0, events.indexOf(kills[0]!)).filter((e) => e.kind === "leader").at(-1)
      expect(believed?.leader).toBe(kills[0]!.replica)

      // The page: self-contained (no script, nothing fetched), every chart drawn, the kill marked.
      const page = readFileSync(path.join(dir, "report.html"), "utf8")
      expect(page).toMatch(/^<!doctype html>/)
      expect(page).not.toMatch(/<script|src="http|href="http/)
      expect(page.match(/<svg /g)).toHaveLength(3)
      expect(page).toContain(`kill ${kills[0]!.replica}`)
      expect(page).toContain(`<span class="status-pass">PASS</span>`)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})

describe("the standard suite", () => {
  it("orders the 17 configs simple, unreliable, crash, partition, advanced, numerically within each", () => {
    const suite = standardSuite([...readdirSync("configs"), "notes.txt", "custom.json"])
    expect(suite).toHaveLength(17)
    expect(suite.slice(0, 4)).toEqual(["simple-1.json", "simple-2.json", "unreliable-1.json", "unreliable-2.json"])
    expect(suite.at(-1)).toBe("advanced-4.json")
    expect(standardSuite(["simple-10.json", "crash-1.json", "simple-2.json"])).toEqual(["simple-2.json", "simple-10.json", "crash-1.json"])
  })
})

describe("the scripts' command lines", () => {
  const scripts = [
    "dist/kvsim.mjs",
    "dist/kv.mjs",
    "dist/campaign.mjs",
    "dist/microbench.mjs",
    "scripts/fuzz.mjs",
    "scripts/soak.mjs",
    "scripts/memoryProbe.mjs",
    "scripts/bench.mjs",
    "scripts/calibrate.mjs",
    "scripts/abReference.mjs",
    "scripts/checkReport.mjs",
    "scripts/generationOdds.mjs"
  ]
  it.each(scripts)("%s prints its usage on --help and refuses an unknown flag, before starting any work", (script) => {
    const help = spawnSync(process.execPath, [script, "--help"], { encoding: "utf8", timeout: 10_000 })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^usage: /)
    const bogus = spawnSync(process.execPath, [script, "--bogus"], { encoding: "utf8", timeout: 10_000 })
    expect(bogus.status).toBe(2)
    expect(bogus.stderr).toMatch(/unknown option "--bogus"/)
  })
})
