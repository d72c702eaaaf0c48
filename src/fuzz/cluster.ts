import { Either } from "effect"
import { RandomStream } from "../domain/randomStream.ts"
import { BROADCAST, clientId, type NodeId, replicaId } from "../domain/ids.ts"
import { RaftInvariants } from "../domain/raft/invariants/invariants.ts"
import type { Violation } from "../domain/raft/invariants/violation.ts"
import { initialState, type RaftState } from "../domain/raft/state.ts"
import { step, wakeAt, type Input, type Step } from "../domain/raft/step.ts"
import { defaultTiming } from "../domain/raft/timing.ts"
import { decodeDatagram, type DecodeReason } from "../domain/wire/decode.ts"
import type { ClientRequest, ReplicaMessage, WireMessage } from "../domain/wire/messages.ts"
import { SimulationKernel } from "../simulation/kernel.ts"
import { ReplicaTimers, SPIN_LIMIT } from "../simulation/replicaTimers.ts"
import { VirtualNetwork } from "../simulation/virtualNetwork.ts"
import { Ring } from "./ring.ts"

export const REPLICAS: ReadonlyArray<NodeId> = Array.from({ length: 5 }, (_, i) => replicaId(i))
/** The harness's client ids for five replicas: 0015 … 001C. */
export const CLIENTS: ReadonlyArray<NodeId> = Array.from({ length: 8 }, (_, i) => clientId(REPLICAS.length, i))

/** Honest traffic: loopback-like hops, a few losses, and now and then a replica cut off long enough to force an election. */
const HOP = { baseMs: 0.05, jitterMs: 0.25 }
const HONEST_DROP = 0.02
const CLIENT_GAP_MS = 25
const ISOLATE_EVERY_MS = 20_000
const ISOLATE_FOR_MS = 3_000
/** Honest messages remembered for replays and mutations, and client requests per replica for replays. */
const POOL_SIZE = 2048
const HANDLED_SIZE = 512

export interface Sent {
  readonly to: NodeId
  readonly message: ReplicaMessage
}

/** What became of one hostile datagram at the replica it was sent to. */
export type Fate =
  | { readonly _tag: "Rejected"; readonly reason: DecodeReason }
  /** Decoded and stepped; `unchanged` when the step returned the very same state. */
  | {
      readonly _tag: "Stepped"
      readonly message: WireMessage
      readonly unchanged: boolean
      readonly sent: ReadonlyArray<WireMessage>
      readonly violations: ReadonlyArray<Violation>
    }
  | { readonly _tag: "Crashed"; readonly error: string }

/** What went wrong in a step of the honest side of the run (a delivery or a timer), and where. */
export type Trouble = { readonly during: string } & (
  | { readonly _tag: "Crashed"; readonly error: string }
  | { readonly _tag: "Broken"; readonly violation: Violation }
)

/** What the honest side of the run did, to show the fuzzing met a live cluster. */
export interface Activity {
  honestSteps: number
  elections: number
  maxTerm: number
  maxCommit: number
  clientOks: number
}

/**
 * Five replicas as pure state, driven the way the shell drives one (decode at the edge, then
 * `step`, then perform the sends), on the simulation kernel: its virtual network between them
 * and its timers to wake them, with honest clients around them. Hostile datagrams are injected between honest events, and every step, honest or
 * not, stands and is checked by one invariant checker watching the whole cluster; what goes
 * wrong in honest steps waits in `troubles` for the caller to collect.
 */
export class FuzzCluster {
  readonly activity: Activity = { honestSteps: 0, elections: 0, maxTerm: 0, maxCommit: 0, clientOks: 0 }
  readonly troubles: Array<Trouble> = []
  /** Honest replica messages as sent, for replays and mutations. */
  readonly pool = new Ring<Sent>(POOL_SIZE)
  private readonly states = new Map<NodeId, RaftState>()
  private readonly handled = new Map<NodeId, Ring<ClientRequest>>()
  private readonly kernel = new SimulationKernel()
  private readonly network: VirtualNetwork
  private readonly timers: ReplicaTimers
  private readonly invariants = new RaftInvariants()
  /** The replica cut off from its peers right now, if any. */
  isolated: NodeId | undefined
  private mids = 0

  constructor(private readonly random: RandomStream) {
    // One stream for every draw, the network's and the replicas', so that a seed replays the run.
    const draw = (): number => random.float()
    this.network = new VirtualNetwork(this.kernel, { members: REPLICAS, hop: HOP, jitter: draw, chaos: draw })
    this.network.setDropRate(HONEST_DROP)
    this.timers = new ReplicaTimers(this.kernel, {
      limit: SPIN_LIMIT,
      onSpin: (id, now) => this.troubles.push({ _tag: "Crashed", during: `timer of ${id}`, error: `spins at t=${now}` })
    })
    for (const self of REPLICAS) {
      const state = initialState({ self, peers: REPLICAS.filter((id) => id !== self), timing: defaultTiming }, 0, random.float())
      this.states.set(self, state)
      this.handled.set(self, new Ring(HANDLED_SIZE))
      this.schedule(self, wakeAt(state))
    }
    this.kernel.at(CLIENT_GAP_MS, () => this.client())
    this.kernel.at(ISOLATE_EVERY_MS, () => this.isolate())
  }

  /** The cluster's virtual time. */
  get now(): number {
    return this.kernel.now
  }

  state(id: NodeId): RaftState {
    return this.states.get(id) as RaftState
  }

  /** Recent client requests `id` has handled: their MIDs are in its memory. */
  handledBy(id: NodeId): Ring<ClientRequest> {
    return this.handled.get(id) as Ring<ClientRequest>
  }

  /** Runs honest traffic and timers up to `until`. */
  advanceTo(until: number): void {
    this.kernel.advanceTo(until)
  }

  /** A hostile datagram reaches `to` through the shell's edge; what the step makes of it stands. */
  inject(to: NodeId, bytes: string | Uint8Array): Fate {
    let decoded: ReturnType<typeof decodeDatagram>
    try {
      decoded = decodeDatagram(bytes)
    } catch (error) {
      return { _tag: "Crashed", error: `decodeDatagram threw ${String(error)}` }
    }
    if (Either.isLeft(decoded)) return { _tag: "Rejected", reason: decoded.left.reason }
    const message = decoded.right
    const before = this.state(to)
    const outcome = this.stepChecked(to, { _tag: "Message", message })
    if (outcome._tag === "Crashed") return outcome
    const sent = outcome.result.outputs.flatMap((output) => (output._tag === "Send" ? [output.message] : []))
    return { _tag: "Stepped", message, unchanged: outcome.result.state === before, sent, violations: outcome.violations }
  }

  private deliver(to: NodeId, message: WireMessage): void {
    if (!REPLICAS.includes(to)) {
      if (message.type === "ok") this.activity.clientOks++
      return
    }
    if (message.type === "get" || message.type === "put") this.handledBy(to).push(message)
    this.honest(to, { _tag: "Message", message })
  }

  private client(): void {
    this.clientRequest()
    this.kernel.at(this.now + CLIENT_GAP_MS, () => this.client())
  }

  /** Cuts the leader (or anyone, when none leads) off from its peers for a while: an election follows. */
  private isolate(): void {
    const isolated = this.leader() ?? (this.random.pick(REPLICAS) as NodeId)
    this.isolated = isolated
    this.network.partition([isolated])
    this.kernel.at(this.now + ISOLATE_FOR_MS, () => {
      this.isolated = undefined
      this.network.heal()
    })
    this.kernel.at(this.now + ISOLATE_EVERY_MS, () => this.isolate())
  }

  private honest(id: NodeId, input: Input): void {
    this.activity.honestSteps++
    const outcome = this.stepChecked(id, input)
    if (outcome._tag === "Stepped" && outcome.violations.length === 0) return
    const during = `${input._tag === "Timeout" ? "timeout" : `${input.message.type} from ${input.message.src}`} at ${id}, t=${this.now.toFixed(3)} ms`
    if (outcome._tag === "Crashed") this.troubles.push({ _tag: "Crashed", during, error: outcome.error })
    else for (const violation of outcome.violations) this.troubles.push({ _tag: "Broken", during, violation })
  }

  /** One step: the new state stands, its datagrams go out, and the invariants are checked across the cluster. */
  private stepChecked(
    id: NodeId,
    input: Input
  ): { readonly _tag: "Stepped"; readonly result: Step; readonly violations: ReadonlyArray<Violation> } | { readonly _tag: "Crashed"; readonly error: string } {
    const before = this.state(id)
    let result: Step
    try {
      result = step(before, input, { now: this.now, random: this.random.float() })
    } catch (error) {
      return { _tag: "Crashed", error: `step threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }
    }
    const after = result.state
    const violations = this.invariants.observeStep(id, input, result, this.now)
    if (after.role === "leader" && before.role !== "leader") this.activity.elections++
    this.activity.maxTerm = Math.max(this.activity.maxTerm, after.term)
    this.activity.maxCommit = Math.max(this.activity.maxCommit, after.commitIndex)
    this.states.set(id, after)
    this.schedule(id, result.wakeAt)
    for (const output of result.outputs) if (output._tag === "Send") this.route(id, output.message)
    return { _tag: "Stepped", result, violations }
  }

  private schedule(id: NodeId, wake: number): void {
    this.timers.set(id, wake, () => this.honest(id, { _tag: "Timeout" }))
  }

  private route(from: NodeId, message: WireMessage): void {
    if (message.dst === BROADCAST) {
      for (const to of REPLICAS) if (to !== from) this.send(from, to, message)
    } else {
      this.send(from, message.dst, message)
    }
  }

  private send(from: NodeId, to: NodeId, message: WireMessage): void {
    if (REPLICAS.includes(from) && REPLICAS.includes(to)) {
      if (message.type !== "get" && message.type !== "put" && message.type !== "hello" && message.type !== "ok" && message.type !== "fail" && message.type !== "redirect") {
        this.pool.push({ to, message })
      }
    }
    this.network.send(`${from}>${to}`, from, to, () => this.deliver(to, message))
  }

  /** An honest client: a put or get on a small key space, to the leader when there is one. */
  private clientRequest(): void {
    const client = this.random.pick(CLIENTS) as NodeId
    const leader = this.leader()
    const to = leader ?? (this.random.pick(REPLICAS) as NodeId)
    const key = `k${this.random.int(20)}`
    const MID = `h${this.mids++}`
    const request: ClientRequest = this.random.float() < 0.6
      ? { src: client, dst: to, leader: leader ?? BROADCAST, type: "put", MID, key, value: `v${this.mids}` }
      : { src: client, dst: to, leader: leader ?? BROADCAST, type: "get", MID, key }
    this.send(client, to, request)
  }

  /** The leader of the highest term, if any replica leads. */
  private leader(): NodeId | undefined {
    let best: RaftState | undefined
    for (const state of this.states.values()) if (state.role === "leader" && (best === undefined || state.term > best.term)) best = state
    return best?.config.self
  }
}
