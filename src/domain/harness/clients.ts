import type { Operation } from "../history/operation.ts"
import { BROADCAST, type NodeId } from "../ids.ts"
import type { IncorrectReason, ReplicaDatagram } from "./datagram.ts"
import type { HarnessCommand } from "./commands.ts"
import type { RandomStream } from "../randomStream.ts"
import type { Roster } from "./roster.ts"
import type { Tally } from "./tally.ts"
import { type Intent, MID_LENGTH, randomKey } from "./workload.ts"

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
}

interface Attempt {
  readonly operation: LiveOperation
  readonly mid: string
  readonly sentAt: number
  /** Undefined when no replica was living to send it to: the reference then never sends it. */
  readonly to: NodeId | undefined
  /** False when the harness could not hand it over: its replica had not said hello. */
  readonly delivered: boolean
}

class ClientState {
  leader: NodeId = BROADCAST
  /** Keys with at least one acknowledged put: the only keys a get or an update may pick. */
  readonly keys: Array<string> = []
  /** The reference's `items`: each key's value as of the client's latest acknowledged put. */
  readonly acknowledged = new Map<string, string>()
  readonly waiting = new Map<string, Attempt>()

  constructor(readonly id: NodeId) {}
}

/** Why a request was still unanswered when the run ended. */
export type UnansweredCause =
  | "killed-same-wake"
  | "killed-before-answer"
  | "replica-exited"
  | "not-delivered"
  | "no-living-replica"
  | "never-answered"

export interface Unanswered {
  readonly client: NodeId
  readonly mid: string
  readonly kind: "get" | "put"
  readonly sentTo: NodeId | undefined
  /** In the result, since the start of the request phase, as event times are given. */
  readonly sentAtMs: number
  readonly cause: UnansweredCause
}

/** Hands a request to a replica as the reference's `__replica_deliver__` does; false if it could not. */
export type Deliver = (from: NodeId, to: NodeId, datagram: string, out: Array<HarnessCommand>) => boolean

const RESPONSE_TYPES = new Set(["ok", "fail", "redirect"])

/**
 * The harness's simulated clients, as the reference's `Client` class: they send requests, retry
 * at once on redirect and fail, judge responses and record the history.
 */
export class Clients {
  readonly ids: ReadonlyArray<NodeId>
  private readonly states: ReadonlyArray<ClientState>
  private readonly index = new Map<string, number>()
  private readonly operations: Array<LiveOperation> = []
  /** MIDs answered `ok`, of every client: another response to one is a duplicate. */
  private readonly completedMids = new Set<string>()
  /** Logical operations completed with an ok. */
  completed = 0

  constructor(
    ids: ReadonlyArray<NodeId>,
    private readonly roster: Roster,
    /** Picks a random living replica when a client knows no living leader. */
    private readonly random: RandomStream,
    private readonly mids: RandomStream,
    private readonly tally: Tally,
    private readonly deliver: Deliver
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

  acknowledged(client: number): ReadonlyMap<string, string> {
    return this.state(client).acknowledged
  }

  /** After kill_leader and part_hard every client starts over with no leader. */
  forgetLeaders(): void {
    for (const state of this.states) state.leader = BROADCAST
  }

  start(client: number, intent: Intent, now: number, out: Array<HarnessCommand>): void {
    const state = this.state(client)
    // Counted as the reference counts `generated_get`/`generated_put`: by what was drawn.
    if (intent.kind === "get") this.tally.gets++
    else if (intent.failedGetGeneration) {
      this.tally.gets++
      this.tally.failedGetGenerations++
    } else this.tally.puts++
    const operation: LiveOperation = {
      id: this.operations.length,
      client: state.id,
      kind: intent.kind,
      key: intent.key,
      value: intent.kind === "put" ? intent.value : undefined,
      invokedAt: now,
      respondedAt: undefined,
      result: undefined
    }
    this.operations.push(operation)
    this.send(state, operation, now, out)
  }

  /** Judges a replica's datagram addressed to `client`; returns why it is incorrect, if it is. */
  onResponse(client: number, datagram: ReplicaDatagram, now: number, out: Array<HarnessCommand>): IncorrectReason | undefined {
    const state = this.state(client)
    const mid = datagram.body["MID"]
    if (typeof mid !== "string" || !RESPONSE_TYPES.has(datagram.type)) return "bad-response"
    if (this.completedMids.has(mid)) {
      this.tally.duplicates++
      return undefined
    }
    const attempt = state.waiting.get(mid)
    if (attempt === undefined) return "unexpected-mid"
    state.waiting.delete(mid)
    const operation = attempt.operation
    this.tally.latenciesMs.push(now - attempt.sentAt)
    this.tally.latenciesByKindMs[operation.kind].push(now - attempt.sentAt)
    state.leader = datagram.leader
    if (datagram.type !== "ok") {
      // The reference counts a fail as a redirect too.
      this.tally.redirects++
      if (datagram.type === "fail") {
        if (operation.kind === "get") this.tally.failedGets++
        else this.tally.failedPuts++
      }
      this.send(state, operation, now, out)
      return undefined
    }
    this.completedMids.add(mid)
    operation.respondedAt = now
    this.completed++
    if (operation.kind === "put") {
      const value = operation.value as string
      if (!state.acknowledged.has(operation.key)) state.keys.push(operation.key)
      state.acknowledged.set(operation.key, value)
      return undefined
    }
    const value = datagram.body["value"]
    if (typeof value !== "string") return "bad-response"
    operation.result = value
    // The reference's rule, stricter than linearizability: the value of the client's latest
    // put to the key acknowledged by the time the answer arrives.
    return value === state.acknowledged.get(operation.key) ? undefined : "wrong-value"
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

  completedOf(kind: "get" | "put"): number {
    return this.operations.filter((op) => op.kind === kind && op.respondedAt !== undefined).length
  }

  /** Every request left waiting, with why no answer came: the kill of the replica it was sent to, or none. */
  unansweredRequests(): ReadonlyArray<Unanswered> {
    const out: Array<Unanswered> = []
    for (const state of this.states) {
      for (const attempt of state.waiting.values()) {
        out.push({
          client: state.id,
          mid: attempt.mid,
          kind: attempt.operation.kind,
          sentTo: attempt.to,
          sentAtMs: attempt.sentAt,
          cause: this.causeOf(attempt)
        })
      }
    }
    return out.sort((a, b) => a.sentAtMs - b.sentAtMs)
  }

  /** Distinct keys with an acknowledged put, across clients (check 3). */
  keysStored(): number {
    let keys = 0
    for (const state of this.states) keys += state.keys.length
    return keys
  }

  private causeOf(attempt: Attempt): UnansweredCause {
    if (attempt.to === undefined) return "no-living-replica"
    if (!attempt.delivered) return "not-delivered"
    const replica = this.roster.indexOf(attempt.to) as number
    const killedAt = this.roster.killTime(replica)
    if (killedAt !== undefined && killedAt >= attempt.sentAt) {
      return killedAt === attempt.sentAt ? "killed-same-wake" : "killed-before-answer"
    }
    if (this.roster.exits.some((exit) => exit.replica === attempt.to)) return "replica-exited"
    return "never-answered"
  }

  private state(client: number): ClientState {
    const state = this.states[client]
    if (state === undefined) throw new RangeError(`no client ${client}`)
    return state
  }

  /**
   * A fresh MID to the believed leader, or, when that is unknown or not living, to a random
   * living replica with the belief reset first: such a request names leader FFFF.
   */
  private send(state: ClientState, operation: LiveOperation, now: number, out: Array<HarnessCommand>): void {
    const mid = randomKey(this.mids, MID_LENGTH)
    this.tally.requestsSent++
    const to = this.destination(state)
    if (to === undefined) {
      state.waiting.set(mid, { operation, mid, sentAt: now, to, delivered: false })
      return
    }
    const request = operation.kind === "get"
      ? { src: state.id, dst: to, leader: state.leader, type: "get", MID: mid, key: operation.key }
      : { src: state.id, dst: to, leader: state.leader, type: "put", MID: mid, key: operation.key, value: operation.value }
    const delivered = this.deliver(state.id, to, JSON.stringify(request), out)
    state.waiting.set(mid, { operation, mid, sentAt: now, to, delivered })
  }

  private destination(state: ClientState): NodeId | undefined {
    const living = this.roster.living()
    if (living.length === 0) return undefined
    const leader = this.roster.indexOf(state.leader)
    if (leader !== undefined && this.roster.isAlive(leader)) return state.leader
    state.leader = BROADCAST
    return this.random.pick(living)
  }
}
