import { Either } from "effect"
import { RandomStream } from "../../src/domain/randomStream.ts"
import { BROADCAST, clientId, type NodeId, replicaId } from "../../src/domain/ids.ts"
import { RaftInvariants } from "../../src/domain/raft/invariants/invariants.ts"
import type { Violation } from "../../src/domain/raft/invariants/violation.ts"
import { initialState, type RaftState } from "../../src/domain/raft/state.ts"
import { step, wakeAt, type Input, type Step } from "../../src/domain/raft/step.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import { decodeDatagram, type DecodeReason } from "../../src/domain/wire/decode.ts"
import type { ClientRequest, ReplicaMessage, WireMessage } from "../../src/domain/wire/messages.ts"
import { EventQueue } from "../../src/simulation/eventQueue.ts"
import { Ring } from "./ring.ts"

export const REPLICAS: ReadonlyArray<NodeId> = Array.from({ length: 5 }, (_, i) => replicaId(i))
/** The harness's client ids for five replicas: 0015 … 001C. */
export const CLIENTS: ReadonlyArray<NodeId> = Array.from({ length: 8 }, (_, i) => clientId(REPLICAS.length, i))

/** Honest traffic: loopback-like hops, a few losses, and now and then a replica cut off long enough to force an election. */
const HOP_MS = { base: 0.05, jitter: 0.25 }
const HONEST_DROP = 0.02
const CLIENT_GAP_MS = 25
const ISOLATE_EVERY_MS = 20_000
const ISOLATE_FOR_MS = 3_000
/** Honest messages remembered for replays and mutations, and client requests per replica for replays. */
const POOL_SIZE = 2048
const HANDLED_SIZE = 512
/** A timer firing this often at one instant is spinning. */
const SPIN_LIMIT = 1_000

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

type Event =
  | { readonly _tag: "Deliver"; readonly to: NodeId; readonly message: WireMessage }
  | { readonly _tag: "Wake"; readonly replica: NodeId; readonly token: number }
  | { readonly _tag: "Client" }
  | { readonly _tag: "Isolate" }
  | { readonly _tag: "Heal" }

/**
 * Five replicas as pure state, driven the way the shell drives one (decode at the edge, then
 * `step`, then perform the sends), on virtual time with an honest network and honest clients
 * around them. Hostile datagrams are injected between honest events, and every step, honest or
 * not, stands and is checked by one invariant checker watching the whole cluster; what goes
 * wrong in honest steps waits in `troubles` for the caller to collect.
 */
export class FuzzCluster {
  now = 0
  readonly activity: Activity = { honestSteps: 0, elections: 0, maxTerm: 0, maxCommit: 0, clientOks: 0 }
  readonly troubles: Array<Trouble> = []
  /** Honest replica messages as sent, for replays and mutations. */
  readonly pool = new Ring<Sent>(POOL_SIZE)
  private readonly states = new Map<NodeId, RaftState>()
  private readonly wakeAt = new Map<NodeId, number>()
  private readonly tokens = new Map<NodeId, number>()
  private readonly handled = new Map<NodeId, Ring<ClientRequest>>()
  private readonly queue = new EventQueue<Event>()
  private readonly lastArrival = new Map<string, number>()
  private readonly invariants = new RaftInvariants()
  /** The replica cut off from its peers right now, if any. */
  isolated: NodeId | undefined
  private spinAt = Number.NaN
  private spins = 0
  private mids = 0

  constructor(private readonly random: RandomStream) {
    for (const self of REPLICAS) {
      const state = initialState({ self, peers: REPLICAS.filter((id) => id !== self), timing: defaultTiming }, 0, random.float())
      this.states.set(self, state)
      this.handled.set(self, new Ring(HANDLED_SIZE))
      this.tokens.set(self, 0)
      this.schedule(self, wakeAt(state))
    }
    this.queue.push(CLIENT_GAP_MS, { _tag: "Client" })
    this.queue.push(ISOLATE_EVERY_MS, { _tag: "Isolate" })
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
    for (let at = this.queue.peekAt(); at !== undefined && at <= until; at = this.queue.peekAt()) {
      const { event } = this.queue.pop() as { readonly at: number; readonly event: Event }
      this.now = at
      this.handle(event)
    }
    this.now = until
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

  private handle(event: Event): void {
    switch (event._tag) {
      case "Deliver": {
        if (!REPLICAS.includes(event.to)) {
          if (event.message.type === "ok") this.activity.clientOks++
          return
        }
        const message = event.message
        if (message.type === "get" || message.type === "put") this.handledBy(event.to).push(message)
        this.honest(event.to, { _tag: "Message", message })
        return
      }
      case "Wake": {
        if (event.token !== this.tokens.get(event.replica)) return
        this.spins = this.now === this.spinAt ? this.spins + 1 : 0
        this.spinAt = this.now
        if (this.spins > SPIN_LIMIT) {
          this.troubles.push({ _tag: "Crashed", during: `timer of ${event.replica}`, error: `spins at t=${this.now}` })
          this.wakeAt.set(event.replica, Number.POSITIVE_INFINITY)
          return
        }
        this.wakeAt.set(event.replica, Number.POSITIVE_INFINITY)
        this.honest(event.replica, { _tag: "Timeout" })
        return
      }
      case "Client": {
        this.clientRequest()
        this.queue.push(this.now + CLIENT_GAP_MS, { _tag: "Client" })
        return
      }
      case "Isolate": {
        this.isolated = this.leader() ?? this.random.pick(REPLICAS)
        this.queue.push(this.now + ISOLATE_FOR_MS, { _tag: "Heal" })
        this.queue.push(this.now + ISOLATE_EVERY_MS, { _tag: "Isolate" })
        return
      }
      case "Heal": {
        this.isolated = undefined
        return
      }
    }
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
    const at = Math.max(wake, this.now)
    if (at === this.wakeAt.get(id)) return
    const token = (this.tokens.get(id) ?? 0) + 1
    this.tokens.set(id, token)
    this.wakeAt.set(id, at)
    if (Number.isFinite(at)) this.queue.push(at, { _tag: "Wake", replica: id, token })
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
      if (from === this.isolated || to === this.isolated || this.random.float() < HONEST_DROP) return
    }
    const link = `${from}>${to}`
    const at = Math.max(this.now + HOP_MS.base + this.random.float() * HOP_MS.jitter, this.lastArrival.get(link) ?? 0)
    this.lastArrival.set(link, at)
    this.queue.push(at, { _tag: "Deliver", to, message })
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
