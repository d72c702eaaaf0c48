import { checkHistory, type Verdict } from "../domain/history/linearizability.ts"
import { runFaults, type FaultCounts } from "./faults.ts"
import { lostWrites, type LostWrite } from "./lostWrites.ts"
import { HistoryRecorder, persist, runClient } from "./nemesisClient.ts"
import { NODE_IDS, NodeProcesses, type NemesisNodeId } from "./nodeProcesses.ts"
import { RandomStream } from "../domain/randomStream.ts"

export interface NemesisOptions {
  readonly durationMs: number
  readonly clients: number
  readonly seed: number
  /** The built kvnode bundle. */
  readonly kvnode: string
  /** Where the cluster's files and logs go. */
  readonly directory: string
  readonly faultIntervalMs?: number
  /** Faults go on past the duration until each kind ran this often. */
  readonly minimumEachFault?: number
  readonly log?: (line: string) => void
}

export interface NemesisReport {
  readonly operations: number
  readonly acknowledgedPuts: number
  readonly unknownOperations: number
  readonly faults: FaultCounts
  readonly lost: ReadonlyArray<LostWrite>
  readonly verdict: Verdict
}

const KEYS_PER_CLIENT = 3
const DEFAULT_FAULT_INTERVAL_MS = 10_000
/** Start-up, an election, a restart's recovery on a loaded 2-core machine: this bounds a hang, not a speed. */
const SETTLE_PATIENCE_MS = 60_000

export const passed = (report: NemesisReport): boolean => report.lost.length === 0 && report.verdict._tag === "Linearizable"

/** The first of `among` that says it leads. */
export const leaderOf = async (nodes: NodeProcesses, among: ReadonlyArray<NemesisNodeId> = NODE_IDS) => {
  for (const id of among) {
    try {
      const response = await fetch(new URL("/status", nodes.urlOf(id)), { signal: AbortSignal.timeout(1_000) })
      const status = (await response.json()) as { readonly role?: string }
      if (status.role === "leader") return id
    } catch {
      continue
    }
  }
  return undefined
}

/** The leader, once one of the nodes says it leads; throws after SETTLE_PATIENCE_MS without one. */
export const untilLeader = async (nodes: NodeProcesses): Promise<NemesisNodeId> => {
  const deadline = performance.now() + SETTLE_PATIENCE_MS
  for (;;) {
    const leader = await leaderOf(nodes)
    if (leader !== undefined) return leader
    if (performance.now() > deadline) throw new Error(`no leader within ${SETTLE_PATIENCE_MS} ms of starting`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * A nemesis run against real kvnode processes: clients work while nodes are killed and
 * restarted, paused past the lease, and cut off; then everything is healed and every key read
 * once more. The history is checked for linearizability, and the final reads for lost writes.
 */
export const runNemesis = async (options: NemesisOptions): Promise<NemesisReport> => {
  const log = options.log ?? (() => undefined)
  const random = new RandomStream(options.seed)
  const nodes = await NodeProcesses.start(options.directory, options.kvnode)
  try {
    await untilLeader(nodes)
    const history = new HistoryRecorder()
    const names = Array.from({ length: options.clients }, (_, i) => `c${i}`)
    const keysOf = (name: string) => Array.from({ length: KEYS_PER_CLIENT }, (_, k) => `${name}-k${k}`)
    const allKeys = names.flatMap(keysOf)
    let stopped = false
    const clients = names.map((name) =>
      runClient({ name, ownKeys: keysOf(name), allKeys, urls: nodes.urls, random: new RandomStream(options.seed + names.indexOf(name) + 1), history, stopped: () => stopped })
    )
    const faults = await runFaults(nodes, {
      intervalMs: options.faultIntervalMs ?? DEFAULT_FAULT_INTERVAL_MS,
      until: performance.now() + options.durationMs,
      minimumEach: options.minimumEachFault ?? 0,
      random,
      leader: () => leaderOf(nodes),
      log
    })
    stopped = true
    await Promise.all(clients)

    nodes.healAll()
    log("healed; reading every key")
    const finalValues = new Map<string, string>()
    for (const key of allKeys) {
      const invokedAt = history.now()
      const result = await persist(nodes.urls, nodes.urls[0] ?? "", key, { kind: "get" }, SETTLE_PATIENCE_MS)
      if (result === undefined) throw new Error(`no answer for ${key} within ${SETTLE_PATIENCE_MS} ms of healing`)
      finalValues.set(key, result.value)
      history.record({ client: "final", key, kind: "get", invokedAt, outcome: { _tag: "Ok", respondedAt: history.now(), value: result.value } })
    }
    const operations = history.operations
    return {
      operations: operations.length,
      acknowledgedPuts: operations.filter((op) => op.kind === "put" && op.outcome._tag === "Ok").length,
      unknownOperations: operations.filter((op) => op.outcome._tag === "Unknown").length,
      faults,
      lost: lostWrites(operations, finalValues),
      verdict: checkHistory(operations)
    }
  } finally {
    await nodes.stop()
  }
}
