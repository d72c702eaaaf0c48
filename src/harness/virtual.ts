import { Context, Effect, Random } from "effect"
import type { Config } from "../domain/harness/config.ts"
import type { HarnessCommand } from "../domain/harness/commands.ts"
import { Harness } from "../domain/harness/harness.ts"
import type { RunResult } from "../domain/harness/result.ts"
import type { Trace } from "../domain/harness/trace.ts"
import type { NodeId } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"
import type { ClusterConfig, RaftState } from "../domain/raft/state.ts"
import { defaultTiming, type Timing } from "../domain/raft/timing.ts"
import { ReplicaLog, silentReplicaLog } from "../services/ReplicaLog.ts"
import { Transport } from "../services/Transport.ts"
import { makeReplicaShell, type ReplicaShell } from "../shell/replicaShell.ts"
import { EventQueue } from "../simulation/eventQueue.ts"
import { VirtualClock } from "../simulation/virtualClock.ts"

type SimEvent =
  | { readonly _tag: "ToHarness"; readonly from: NodeId; readonly datagram: string }
  | { readonly _tag: "ToReplica"; readonly to: NodeId; readonly datagram: string }
  | { readonly _tag: "Wake"; readonly replica: NodeId; readonly token: number }
  | { readonly _tag: "HarnessTimer"; readonly token: number }

/**
 * One loopback hop through the harness, in virtual milliseconds: a base plus seeded jitter, so
 * datagrams from different sockets can overtake each other. Each socket's own datagrams stay
 * in order, as on loopback: a replica's two answers sent back to back arrive back to back.
 */
const HOP_BASE_MS = 0.05
const HOP_JITTER_MS = 0.05
/** A replica whose timer fires this often at one instant is spinning: a bug worth stopping for. */
const SPIN_LIMIT = 10_000

/**
 * Faults beyond the harness's own, for fault campaigns: each datagram the harness hands a
 * replica may arrive twice, and each copy late by up to `delayMs`. Late copies may overtake
 * earlier ones: per-link order is not kept for them. `cuts` lose, for a while, what some
 * replicas send to others but not the way back: the asymmetric partitions the harness, whose
 * partitions are symmetric, never makes.
 */
export interface Adversary {
  readonly duplicate: number
  readonly delayMs: number
  readonly cuts?: ReadonlyArray<OneWayCut>
}

/** From `startMs` until `endMs` (virtual time), datagrams from any of `from` to any of `to` are lost. */
export interface OneWayCut {
  readonly from: ReadonlyArray<NodeId>
  readonly to: ReadonlyArray<NodeId>
  readonly startMs: number
  readonly endMs: number
}

export interface SimulationOptions {
  readonly seed: number
  readonly name: string
  readonly timing?: Timing
  readonly adversary?: Adversary
  /** Called after every replica step with every live replica's state (the invariant checker). */
  readonly observe?: (now: number, states: ReadonlyMap<NodeId, RaftState>) => void
  /** Builds each replica: our shell by default; tests substitute deliberately broken ones. */
  readonly replica?: (config: ClusterConfig) => Effect.Effect<ReplicaShell, never, Transport | ReplicaLog>
  /** Where the harness records every datagram and event (kvsim --out). */
  readonly trace?: Trace
}

interface SimReplica {
  readonly shell: ReplicaShell
  wakeToken: number
  wakeAt: number
}

/**
 * kvsim's virtual mode: the harness core and N replica shells in one process on simulated
 * time. Replicas run the same shell as the real program (decode, step, perform), with the
 * Transport feeding this event queue and a virtual Clock; everything random comes from the
 * seed, so a run replays byte for byte.
 */
export const simulate = (config: Config, options: SimulationOptions): RunResult => {
  const harness = new Harness(config, { seed: options.seed, name: options.name, ...(options.trace === undefined ? {} : { trace: options.trace }) })
  const clock = new VirtualClock()
  const queue = new EventQueue<SimEvent>()
  const encoder = new TextEncoder()
  const jitter = new RandomStream(options.seed ^ 0x5eed)
  const lastArrival = new Map<string, number>()
  const arrival = (link: string): number => {
    const at = Math.max(clock.now + HOP_BASE_MS + jitter.float() * HOP_JITTER_MS, lastArrival.get(link) ?? 0)
    lastArrival.set(link, at)
    return at
  }
  const chaos = new RandomStream(options.seed ^ 0xadd5)
  const draw = (): number => chaos.float()
  const isCut = (from: NodeId, to: NodeId): boolean =>
    options.adversary?.cuts?.some(
      (cut) => clock.now >= cut.startMs && clock.now < cut.endMs && cut.from.includes(from) && cut.to.includes(to)
    ) ?? false
  const deliveries = (at: number): ReadonlyArray<number> => {
    const adversary = options.adversary
    if (adversary === undefined) return [at]
    const copies = draw() < adversary.duplicate ? 2 : 1
    return Array.from({ length: copies }, () => at + draw() * adversary.delayMs)
  }
  const ids = Array.from({ length: config.replicas }, (_, i) => i.toString(16).toUpperCase().padStart(4, "0") as NodeId)
  const replicas = new Map<NodeId, SimReplica>()

  for (const [i, self] of ids.entries()) {
    const transport = Transport.of({
      send: (datagram) => queue.push(arrival(`${self}>`), { _tag: "ToHarness", from: self, datagram }),
      listen: () => Effect.dieMessage("simulated replicas are driven by events, not by listening")
    })
    const context = Context.make(Transport, transport).pipe(Context.add(ReplicaLog, silentReplicaLog))
    const random = Random.make(options.seed * 7919 + i)
    const config = { self, peers: ids.filter((id) => id !== self), timing: options.timing ?? defaultTiming }
    // The shell takes its Clock, Random and services once, here; after that it runs on plain calls.
    const shell = Effect.runSync(
      (options.replica ?? makeReplicaShell)(config).pipe(Effect.provide(context), Effect.withClock(clock), Effect.withRandom(random))
    )
    replicas.set(self, { shell, wakeToken: 0, wakeAt: Number.POSITIVE_INFINITY })
  }

  const schedule = (id: NodeId, replica: SimReplica): void => {
    const at = Math.max(replica.shell.wakeAt(), clock.now)
    if (at === replica.wakeAt) return
    replica.wakeAt = at
    replica.wakeToken++
    if (Number.isFinite(at)) queue.push(at, { _tag: "Wake", replica: id, token: replica.wakeToken })
  }
  const observe = (): void => {
    if (options.observe === undefined) return
    options.observe(clock.now, new Map([...replicas].map(([id, r]) => [id, r.shell.state()])))
  }
  let harnessToken = 0
  let harnessAt: number | undefined
  // As in real mode, a pending wake-up earlier than the core's next is left to fire.
  const scheduleHarness = (): void => {
    const at = harness.nextTimerAt()
    if (at === harnessAt || (harnessAt !== undefined && at !== undefined && harnessAt <= at)) return
    harnessAt = at
    harnessToken++
    if (at !== undefined) queue.push(Math.max(at, clock.now), { _tag: "HarnessTimer", token: harnessToken })
  }
  let finished = false
  const perform = (commands: ReadonlyArray<HarnessCommand>): void => {
    for (const command of commands) {
      if (command._tag === "Deliver") {
        if (isCut(command.from, command.to)) continue
        const event = { _tag: "ToReplica", to: command.to, datagram: command.datagram } as const
        for (const at of deliveries(arrival(`>${command.to}`))) queue.push(at, event)
      }
      else if (command._tag === "Kill") replicas.delete(command.replica)
      else finished = true
    }
    scheduleHarness()
  }

  for (const [id, replica] of replicas) schedule(id, replica)
  scheduleHarness()
  let spinAt = Number.NaN
  let spins = 0
  while (!finished) {
    const item = queue.pop()
    if (item === undefined) break
    clock.now = item.at
    const event = item.event
    switch (event._tag) {
      case "ToHarness":
        perform(harness.onReplicaDatagram(clock.now, event.from, event.datagram))
        break
      case "HarnessTimer":
        if (event.token === harnessToken) {
          harnessAt = undefined
          perform(harness.onTimer(clock.now))
        }
        break
      case "ToReplica": {
        const replica = replicas.get(event.to)
        if (replica === undefined) break
        replica.shell.onDatagram(encoder.encode(event.datagram))
        schedule(event.to, replica)
        observe()
        break
      }
      case "Wake": {
        const replica = replicas.get(event.replica)
        if (replica === undefined || event.token !== replica.wakeToken) break
        spins = clock.now === spinAt ? spins + 1 : 0
        spinAt = clock.now
        if (spins > SPIN_LIMIT) throw new Error(`replica ${event.replica} spins at t=${clock.now}ms (${replica.shell.state().role})`)
        replica.wakeAt = Number.POSITIVE_INFINITY
        replica.shell.onTimeout()
        schedule(event.replica, replica)
        observe()
        break
      }
    }
  }
  return harness.result(clock.now)
}

/** kvsim --virtual: the whole run on simulated time, in this process. */
export const runVirtual = (
  config: Config,
  options: { readonly seed: number; readonly name: string; readonly trace?: Trace }
): Effect.Effect<RunResult> =>
  Effect.sync(() => simulate(config, options))
