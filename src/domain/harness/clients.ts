import type { Operation } from "../history/operation.ts"
import { BROADCAST, type NodeId } from "../ids.ts"
import type { IncorrectReason, ReplicaDatagram } from "./datagram.ts"
import type { HarnessEffect } from "./effects.ts"
import type { RandomStream } from "./random.ts"
import type { Roster } from "./roster.ts"
import type { Tally } from "./tally.ts"
import type { Intent } from "./workload.ts"

/** One logical client operation: from its first send, across retries with new MIDs, to the ok that completes it. */
interface LiveOperation {
  readonly id: number
  readonly client: NodeId
  readonly kind: "get" | "put"
  readonly key: string
  readonly value: string | undefined
  readonly invokedAt: number
  respondedAt: number | undefined
  result: string | undefined
  /**
   * For a get: values of the client's own puts to the key that were in flight at some point
   * while the get was, and the value acknowledged when it started. Such a put may already
   * have taken effect (or the get may have been served just before it), so returning its
   * value is not wrong; "the last acknowledged put" alone would flag a correct store.
   */
  readonly alsoAcceptable: Set<string> | undefined
}

interface Attempt {
  readonly operation: LiveOperation
  readonly sentAt: number
}

class ClientState {
  leader: NodeId = BROADCAST
  /** Keys with at least one acknowledged put: the only keys a get or an update may pick. */
  readonly keys: Array<string> = []
  readonly acknowledged = new Map<string, string>()
  readonly waiting = new Map<string, Attempt>()
  /** MIDs that got their one response; true if it was an ok, so that a repeat is a duplicate. */
  readonly answered = new Map<string, boolean>()
  /** Operations not yet completed, by key. */
  readonly open = new Map<string, Set<LiveOperation>>()

  constructor(readonly id: NodeId) {}
}

const RESPONSE_TYPES = new Set(["ok", "fail", "redirect"])

/** The harness's simulated clients: they send requests, judge responses and record the history. */
export class Clients {
  readonly ids: ReadonlyArray<NodeId>
  private readonly states: ReadonlyArray<ClientState>
  private readonly index = new Map<string, number>()
  private readonly operations: Array<LiveOperation> = []
  private mids = 0
  /** Logical operations completed with an ok. */
  completed = 0

  constructor(
    ids: ReadonlyArray<NodeId>,
    private readonly roster: Roster,
    /** Picks a random living replica when a client knows no living leader. */
    private readonly random: RandomStream,
    private readonly tally: Tally
  ) {
    this.ids = ids
    this.states = ids.map((id) => new ClientState(id))
    ids.forEach((id, i) => this.index.set(id, i))
  }

  get size(): number {
    return this.ids.length
  }

  get started(): number {
    return this.operations.length
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id)
  }

  ownKeys(client: number): ReadonlyArray<string> {
    return this.state(client).keys
  }

  /** After kill_leader and part_hard every client starts over with no leader. */
  forgetLeaders(): void {
    for (const state of this.states) state.leader = BROADCAST
  }

  start(client: number, intent: Intent, now: number, out: Array<HarnessEffect>): void {
    const state = this.state(client)
    const open = state.open.get(intent.key) ?? new Set<LiveOperation>()
    state.open.set(intent.key, open)
    let alsoAcceptable: Set<string> | undefined
    if (intent.kind === "get") {
      alsoAcceptable = new Set()
      const acknowledged = state.acknowledged.get(intent.key)
      if (acknowledged !== undefined) alsoAcceptable.add(acknowledged)
      for (const other of open) if (other.kind === "put" && other.value !== undefined) alsoAcceptable.add(other.value)
      this.tally.gets++
    } else {
      for (const other of open) other.alsoAcceptable?.add(intent.value)
      this.tally.puts++
      if (intent.failedGetGeneration) this.tally.failedGetGenerations++
    }
    const operation: LiveOperation = {
      id: this.operations.length,
      client: state.id,
      kind: intent.kind,
      key: intent.key,
      value: intent.kind === "put" ? intent.value : undefined,
      invokedAt: now,
      respondedAt: undefined,
      result: undefined,
      alsoAcceptable
    }
    open.add(operation)
    this.operations.push(operation)
    this.send(state, operation, now, out)
  }

  /** Judges a replica's datagram addressed to `client`; returns why it is incorrect, if it is. */
  onResponse(client: number, datagram: ReplicaDatagram, now: number, out: Array<HarnessEffect>): IncorrectReason | undefined {
    const state = this.state(client)
    const mid = datagram.body["MID"]
    if (typeof mid !== "string" || !RESPONSE_TYPES.has(datagram.type)) return "bad-response"
    const attempt = state.waiting.get(mid)
    if (attempt === undefined) {
      if (state.answered.get(mid) !== true) return "unexpected-mid"
      this.tally.duplicates++
      return undefined
    }
    state.waiting.delete(mid)
    const operation = attempt.operation
    this.tally.latenciesMs.push(now - attempt.sentAt)
    this.tally.latenciesByKindMs[operation.kind].push(now - attempt.sentAt)
    state.leader = datagram.leader
    if (datagram.type !== "ok") {
      state.answered.set(mid, false)
      if (datagram.type === "redirect") this.tally.redirects++
      else if (operation.kind === "get") this.tally.failedGets++
      else this.tally.failedPuts++
      this.send(state, operation, now, out)
      return undefined
    }
    state.answered.set(mid, true)
    this.complete(state, operation, now)
    if (operation.kind === "put") {
      const value = operation.value as string
      if (!state.acknowledged.has(operation.key)) state.keys.push(operation.key)
      state.acknowledged.set(operation.key, value)
      return undefined
    }
    const value = datagram.body["value"]
    if (typeof value !== "string") return "bad-response"
    operation.result = value
    const correct = value === state.acknowledged.get(operation.key) || operation.alsoAcceptable?.has(value) === true
    return correct ? undefined : "wrong-value"
  }

  /** The history for the linearizability checker, in invocation order. */
  history(): ReadonlyArray<Operation> {
    return this.operations.map((op): Operation => {
      const base = { id: op.id, client: op.client, key: op.key, kind: op.kind, invokedAt: op.invokedAt }
      const withValue = op.value === undefined ? base : { ...base, value: op.value }
      if (op.respondedAt === undefined) return { ...withValue, outcome: { _tag: "Unknown" } }
      const outcome = op.result === undefined
        ? { _tag: "Ok" as const, respondedAt: op.respondedAt }
        : { _tag: "Ok" as const, respondedAt: op.respondedAt, value: op.result }
      return { ...withValue, outcome }
    })
  }

  /** Operations still waiting for an ok, by kind. */
  unanswered(): { readonly gets: number; readonly puts: number } {
    let gets = 0
    let puts = 0
    for (const op of this.operations) {
      if (op.respondedAt !== undefined) continue
      if (op.kind === "get") gets++
      else puts++
    }
    return { gets, puts }
  }

  /** Distinct keys with an acknowledged put, across clients (check 3). */
  keysStored(): number {
    let keys = 0
    for (const state of this.states) keys += state.keys.length
    return keys
  }

  private state(client: number): ClientState {
    const state = this.states[client]
    if (state === undefined) throw new RangeError(`no client ${client}`)
    return state
  }

  private complete(state: ClientState, operation: LiveOperation, now: number): void {
    operation.respondedAt = now
    this.completed++
    const open = state.open.get(operation.key)
    open?.delete(operation)
    if (open?.size === 0) state.open.delete(operation.key)
  }

  /** A fresh MID to the believed leader, or to a random living replica when that is unknown or dead. */
  private send(state: ClientState, operation: LiveOperation, now: number, out: Array<HarnessEffect>): void {
    const leader = this.roster.indexOf(state.leader)
    const to = leader !== undefined && this.roster.isAlive(leader) ? state.leader : this.random.pick(this.roster.living())
    if (to === undefined) return
    const mid = String(this.mids++)
    state.waiting.set(mid, { operation, sentAt: now })
    this.tally.requestsSent++
    const request = operation.kind === "get"
      ? { src: state.id, dst: to, leader: state.leader, type: "get", MID: mid, key: operation.key }
      : { src: state.id, dst: to, leader: state.leader, type: "put", MID: mid, key: operation.key, value: operation.value }
    const target = this.roster.indexOf(to)
    // A replica that has not said hello has no address yet: the request is lost, as on a real network.
    if (target !== undefined && this.roster.canReceive(target)) out.push({ _tag: "Deliver", from: state.id, to, datagram: JSON.stringify(request) })
  }
}
