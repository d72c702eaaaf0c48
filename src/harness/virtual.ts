import { Context, Effect, Random } from "effect"
import type { HarnessCommand } from "../domain/harness/commands.ts"
import type { Config } from "../domain/harness/config.ts"
import { Harness } from "../domain/harness/harness.ts"
import type { RunResult } from "../domain/harness/result.ts"
import type { Trace } from "../domain/harness/trace.ts"
import { type NodeId, replicaId } from "../domain/ids.ts"
import { RandomStream } from "../domain/randomStream.ts"
import type { ClusterConfig, RaftState } from "../domain/raft/state.ts"
import { defaultTiming, type Timing } from "../domain/raft/timing.ts"
import { ReplicaLog, silentReplicaLog } from "../services/ReplicaLog.ts"
import { Transport } from "../services/Transport.ts"
import { makeReplicaShell, type ReplicaShell } from "../shell/replicaShell.ts"
import { DriftingClock } from "../simulation/driftingClock.ts"
import { SimulationKernel } from "../simulation/kernel.ts"
import { ReplicaTimers, SPIN_LIMIT } from "../simulation/replicaTimers.ts"
import type { ProcessPause, TimeFaults } from "../simulation/timeFaults.ts"
import { type Adversary, VirtualNetwork } from "../simulation/virtualNetwork.ts"

export interface SimulationOptions {
  readonly seed: number
  readonly name: string
  readonly timing?: Timing
  /** Faults beyond the harness's own drops and partitions, for fault campaigns. */
  readonly adversary?: Adversary
  /** Drifting clocks and paused processes, for fault campaigns. */
  readonly time?: TimeFaults
  /** Told of each pause as it begins, with the replica it froze. */
  readonly onPause?: (replica: NodeId, startMs: number, endMs: number) => void
  /** Called after every replica step with every live replica's state (the invariant checker). */
  readonly observe?: (now: number, states: ReadonlyMap<NodeId, RaftState>) => void
  /** Builds each replica: our shell by default; tests substitute deliberately broken ones. */
  readonly replica?: (config: ClusterConfig) => Effect.Effect<ReplicaShell, never, Transport | ReplicaLog>
  /** Where the harness records every datagram and event (kvsim --out). */
  readonly trace?: Trace
}

interface SimReplica {
  readonly shell: ReplicaShell
  /** Its timer's ring: a timeout, then whatever follows every step. */
  readonly ring: () => void
  /** Kernel time for a deadline on its own clock. */
  readonly kernelTimeOf: (local: number) => number
  /** While paused: until when, and the datagrams that reached it meanwhile, in order. */
  paused: { until: number; readonly backlog: Array<string> } | undefined
}

/**
 * kvsim's virtual mode: the harness core and N replica shells in one process, on the
 * simulation kernel. Replicas run the same shell as the real program (decode, step, perform),
 * with a Transport onto the kernel's network and the kernel's clock; everything random comes
 * from the seed, so a run replays byte for byte.
 *
 * As over UDP, the harness sits in the middle: a replica's datagram takes one hop on its
 * socket to the harness, and what the harness delivers takes one hop on the harness's socket
 * for that replica, where the adversary's faults, if any, strike.
 */
export const simulate = (config: Config, options: SimulationOptions): RunResult => {
  const harness = new Harness(config, { seed: options.seed, name: options.name, ...(options.trace === undefined ? {} : { trace: options.trace }) })
  const kernel = new SimulationKernel()
  const ids = Array.from({ length: config.replicas }, (_, i) => replicaId(i))
  const jitter = new RandomStream(options.seed ^ 0x5eed)
  const chaos = new RandomStream(options.seed ^ 0xadd5)
  const network = new VirtualNetwork(kernel, {
    members: ids,
    jitter: () => jitter.float(),
    chaos: () => chaos.float(),
    ...(options.adversary === undefined ? {} : { adversary: options.adversary })
  })
  const replicas = new Map<NodeId, SimReplica>()
  const timers = new ReplicaTimers(kernel, {
    limit: SPIN_LIMIT,
    onSpin: (id, now) => {
      throw new Error(`replica ${id} spins at t=${now}ms (${replicas.get(id)?.shell.state().role})`)
    }
  })
  const encoder = new TextEncoder()

  const observe = (): void => {
    if (options.observe === undefined) return
    options.observe(kernel.now, new Map([...replicas].map(([id, r]) => [id, r.shell.state()])))
  }
  const afterStep = (id: NodeId, replica: SimReplica): void => {
    timers.set(id, replica.kernelTimeOf(replica.shell.wakeAt()), replica.ring)
    observe()
  }
  const receive = (id: NodeId, replica: SimReplica, datagram: string): void => {
    if (replica.paused !== undefined) return void replica.paused.backlog.push(datagram)
    replica.shell.onDatagram(encoder.encode(datagram))
    afterStep(id, replica)
  }
  // A resumed process first reads what queued on its socket, then finds its timer overdue.
  const resume = (id: NodeId, replica: SimReplica): void => {
    const paused = replica.paused
    if (paused === undefined || kernel.now < paused.until || replicas.get(id) !== replica) return
    replica.paused = undefined
    for (const datagram of paused.backlog) receive(id, replica, datagram)
    timers.set(id, replica.kernelTimeOf(replica.shell.wakeAt()), replica.ring)
  }
  const pause = ({ replica: target, startMs, endMs }: ProcessPause): void => {
    const id = target === "leader" ? leaderNow() : target
    const replica = id === undefined ? undefined : replicas.get(id)
    if (id === undefined || replica === undefined) return
    replica.paused = { until: Math.max(endMs, replica.paused?.until ?? endMs), backlog: replica.paused?.backlog ?? [] }
    options.onPause?.(id, startMs, endMs)
    kernel.at(endMs, () => resume(id, replica))
  }
  const leaderNow = (): NodeId | undefined => {
    let leader: { readonly id: NodeId; readonly term: number } | undefined
    for (const [id, r] of replicas) {
      const state = r.shell.state()
      if (state.role === "leader" && (leader === undefined || state.term > leader.term)) leader = { id, term: state.term }
    }
    return leader?.id
  }

  let harnessToken = 0
  let harnessAt: number | undefined
  // As in real mode, a pending wake-up earlier than the core's next is left to fire.
  const scheduleHarness = (): void => {
    const at = harness.nextTimerAt()
    if (at === harnessAt || (harnessAt !== undefined && at !== undefined && harnessAt <= at)) return
    harnessAt = at
    const token = ++harnessToken
    if (at === undefined) return
    kernel.at(at, () => {
      if (token !== harnessToken) return
      harnessAt = undefined
      perform(harness.onTimer(kernel.now))
    })
  }
  let finished = false
  const perform = (commands: ReadonlyArray<HarnessCommand>): void => {
    for (const command of commands) {
      if (command._tag === "Deliver") {
        const { to, datagram } = command
        // The core delivers only to replicas alive now; the network drops what is still on its way when one is killed.
        const replica = replicas.get(to) as SimReplica
        network.send(`>${to}`, command.from, to, () => receive(to, replica, datagram))
      } else if (command._tag === "Kill") {
        replicas.delete(command.replica)
        timers.clear(command.replica)
        network.kill(command.replica)
      } else finished = true
    }
    scheduleHarness()
  }

  for (const [i, self] of ids.entries()) {
    const transport = Transport.of({
      send: (datagram) => kernel.at(network.hop(`${self}>`), () => perform(harness.onReplicaDatagram(kernel.now, self, datagram))),
      listen: () => Effect.dieMessage("simulated replicas are driven by the kernel, not by listening")
    })
    const context = Context.make(Transport, transport).pipe(Context.add(ReplicaLog, silentReplicaLog))
    const random = Random.make(options.seed * 7919 + i)
    const cluster = { self, peers: ids.filter((id) => id !== self), timing: options.timing ?? defaultTiming }
    const rate = options.time?.rates[i] ?? 1
    const clock = rate === 1 ? kernel.clock : new DriftingClock(kernel.clock, rate)
    // The shell takes its Clock, Random and services once, here; after that it runs on plain calls.
    const shell = Effect.runSync(
      (options.replica ?? makeReplicaShell)(cluster).pipe(Effect.provide(context), Effect.withClock(clock), Effect.withRandom(random))
    )
    const replica: SimReplica = {
      shell,
      ring: () => {
        if (replica.paused !== undefined) return
        shell.onTimeout()
        afterStep(self, replica)
      },
      kernelTimeOf: clock instanceof DriftingClock ? (local) => clock.kernelTimeOf(local) : (local) => local,
      paused: undefined
    }
    replicas.set(self, replica)
  }

  for (const [id, replica] of replicas) timers.set(id, replica.kernelTimeOf(replica.shell.wakeAt()), replica.ring)
  for (const scheduled of options.time?.pauses ?? []) kernel.at(scheduled.startMs, () => pause(scheduled))
  scheduleHarness()
  while (!finished) if (!kernel.runNext()) break
  return harness.result(kernel.now)
}

/** kvsim --virtual: the whole run on simulated time, in this process. */
export const runVirtual = (
  config: Config,
  options: { readonly seed: number; readonly name: string; readonly trace?: Trace }
): Effect.Effect<RunResult> =>
  Effect.sync(() => simulate(config, options))
