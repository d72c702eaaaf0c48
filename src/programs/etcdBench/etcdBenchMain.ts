import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { EtcdMembers } from "../../loadBench/etcdMembers.ts"
import { agentFor, fill, runPhase, type PhaseResult } from "../../loadBench/httpLoad.ts"
import { etcdTarget, kvnodeTarget, type LoadTarget } from "../../loadBench/loadTarget.ts"
import { NodeProcesses } from "../../nemesis/nodeProcesses.ts"
import { untilLeader } from "../../nemesis/nemesisRun.ts"
import { argsOrExit } from "../commandLine/reply.ts"
import { parseEtcdBenchArgs } from "./etcdBenchArgs.ts"
import { resultTables, type Measured } from "./resultTables.ts"

/**
 * `npm run bench:etcd` (scripts/etcdBench.mjs installs etcd first): this project's three-node
 * cluster and a three-member etcd cluster, measured one after the other on this machine by the
 * same load generator (src/loadBench). Only one store runs at a time, so neither pays for the
 * other's idle heartbeats; with more than one round the order alternates.
 */
const args = await argsOrExit("etcd-bench", parseEtcdBenchArgs(process.argv.slice(2)))
const say = (line: string) => process.stderr.write(`etcd-bench: ${line}\n`)

interface Running {
  readonly target: LoadTarget
  readonly stop: () => Promise<void>
}

const kvnodeBundle = fileURLToPath(new URL("kvnode.mjs", import.meta.url))

const startKvnode = async (directory: string): Promise<Running> => {
  const nodes = await NodeProcesses.start(directory, kvnodeBundle)
  try {
    return { target: kvnodeTarget(nodes.urlOf(await untilLeader(nodes))), stop: () => nodes.stop() }
  } catch (error) {
    await nodes.stop()
    throw new Error(`kvnode: ${String(error)}; logs in ${directory}`)
  }
}

const startEtcd = async (directory: string): Promise<Running> => {
  const members = await EtcdMembers.start(directory, args.etcd)
  const leader = await members.leaderUrl()
  if (leader === undefined) {
    await members.stop()
    throw new Error("etcd lost its leader right after electing it")
  }
  return { target: etcdTarget(leader), stop: () => members.stop() }
}

const stores = { kvnode: startKvnode, etcd: startEtcd } as const

const etcdVersion = (() => {
  try {
    return execFileSync(args.etcd, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "unknown"
  } catch (error) {
    say(`cannot run ${args.etcd} --version: ${String(error)} (scripts/etcdBench.mjs installs etcd-server)`)
    return process.exit(1)
  }
})()

const measured: Array<Measured> = []
for (let round = 1; round <= args.rounds; round++) {
  const order = round % 2 === 1 ? (["kvnode", "etcd"] as const) : (["etcd", "kvnode"] as const)
  for (const store of order) {
    const directory = mkdtempSync(path.join(tmpdir(), `etcd-bench-${store}-`))
    say(`round ${round}: starting ${store} in ${directory}`)
    const running = await stores[store](directory)
    try {
      for (const clients of args.clients) {
        const agent = agentFor(clients)
        const failedFills = await fill(running.target, clients, args.valueBytes, agent)
        if (failedFills > 0) say(`${store}: ${failedFills} of the unmeasured fill's writes failed`)
        const phases: Array<PhaseResult> = []
        for (const kind of ["put", "get"] as const) {
          const result = await runPhase({ target: running.target, kind, clients, durationMs: args.seconds * 1000, valueBytes: args.valueBytes }, agent)
          say(`${store} ${kind} × ${clients}: ${(result.ok / result.seconds).toFixed(0)}/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.errors} errors`)
          phases.push(result)
        }
        agent.destroy()
        measured.push(...phases.map((result) => ({ round, store, result })))
      }
    } finally {
      await running.stop()
    }
    rmSync(directory, { recursive: true, force: true })
  }
}

process.stdout.write(
  [
    `${etcdVersion}; Node ${process.version}; ${availableParallelism()} cores; directories under ${tmpdir()}.`,
    `Each phase: ${args.seconds} s, values of ${args.valueBytes} bytes, ${args.rounds} round(s).`,
    "",
    resultTables(measured, args.clients),
    ""
  ].join("\n")
)
