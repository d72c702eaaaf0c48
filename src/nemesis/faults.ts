import { NODE_IDS, type NemesisNodeId, type NodeProcesses } from "./nodeProcesses.ts"
import type { RandomStream } from "../domain/randomStream.ts"

export interface FaultCounts {
  kills: number
  pauses: number
  cuts: number
}

export interface FaultOptions {
  /** One fault starts every interval (the last fault's hold included), rotating kill, pause, cut. */
  readonly intervalMs: number
  /** No fault starts after this (performance.now()), once every kind has run `minimumEach` times. */
  readonly until: number
  readonly minimumEach: number
  readonly random: RandomStream
  readonly leader: () => Promise<NemesisNodeId | undefined>
  readonly log: (line: string) => void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Longer than the leader's lease and an election timeout, so a paused leader is deposed while it sleeps. */
const PAUSE_MS: readonly [number, number] = [2_500, 4_000]
const DOWN_MS: readonly [number, number] = [1_000, 3_000]
const CUT_MS: readonly [number, number] = [2_500, 4_500]

/** A duration drawn evenly from `[low, high]`. */
const within = (random: RandomStream, [low, high]: readonly [number, number]): number => low + random.float() * (high - low)

const others = (id: NemesisNodeId) => NODE_IDS.filter((other) => other !== id)

/** Half the time the leader (the node whose loss hurts), otherwise any node. */
const target = async (options: FaultOptions): Promise<NemesisNodeId> => {
  const leader = options.random.float() < 0.5 ? await options.leader() : undefined
  return leader ?? (options.random.pick(NODE_IDS) as NemesisNodeId)
}

const kill = async (nodes: NodeProcesses, id: NemesisNodeId, options: FaultOptions) => {
  options.log(`kill ${id}`)
  await nodes.kill(id)
  await sleep(within(options.random, DOWN_MS))
  nodes.restart(id)
}

const pause = async (nodes: NodeProcesses, id: NemesisNodeId, options: FaultOptions) => {
  options.log(`pause ${id}`)
  nodes.pause(id)
  await sleep(within(options.random, PAUSE_MS))
  nodes.resume(id)
}

/** Either `id` cut off from both others, or only the link between it and one other, both ways. */
const cut = async (nodes: NodeProcesses, id: NemesisNodeId, options: FaultOptions) => {
  const isolate = options.random.float() < 0.5
  const peers = isolate ? others(id) : [options.random.pick(others(id)) as NemesisNodeId]
  options.log(isolate ? `isolate ${id}` : `cut ${id} <-> ${peers[0]}`)
  nodes.cut(peers.flatMap((peer) => [[id, peer] as const, [peer, id] as const]))
  await sleep(within(options.random, CUT_MS))
  nodes.cut([])
}

/** The nemesis: faults one at a time, each undone before the next, until time is up and every kind ran often enough. */
export const runFaults = async (nodes: NodeProcesses, options: FaultOptions): Promise<FaultCounts> => {
  const counts: FaultCounts = { kills: 0, pauses: 0, cuts: 0 }
  const enough = () => Math.min(counts.kills, counts.pauses, counts.cuts) >= options.minimumEach
  for (let round = 0; performance.now() < options.until || !enough(); round++) {
    const started = performance.now()
    const id = await target(options)
    const kind = round % 3
    if (kind === 0) {
      await kill(nodes, id, options)
      counts.kills++
    } else if (kind === 1) {
      await pause(nodes, id, options)
      counts.pauses++
    } else {
      await cut(nodes, id, options)
      counts.cuts++
    }
    await sleep(Math.max(0, options.intervalMs - (performance.now() - started)))
  }
  return counts
}
