/**
 * Small builders for driving the pure Raft core by hand, in the spirit of etcd's
 * raft_paper_test.go: a 5-replica cluster 0000..0004, hand-made messages, and a test node
 * that remembers its state and clock so a test reads as a transcript of inputs.
 */
import { Either } from "effect"
import { BROADCAST, replicaId, type NodeId } from "../../src/domain/ids.ts"
import { lastIndex, lastTerm } from "../../src/domain/raft/log/log.ts"
import type { Output } from "../../src/domain/raft/outputs.ts"
import { initialState, type ClusterConfig, type RaftState } from "../../src/domain/raft/state.ts"
import { step, type Input, type Step } from "../../src/domain/raft/step.ts"
import { defaultTiming } from "../../src/domain/raft/timing.ts"
import { UDP_PAYLOAD_BYTES, utf8Bytes } from "../../src/domain/wire/datagramSize.ts"
import { decodeDatagram, encodeMessage } from "../../src/domain/wire/decode.ts"
import type {
  Append,
  Appended,
  Entry,
  Get,
  Install,
  Probe,
  Put,
  Vote,
  Voted,
  WireMessage
} from "../../src/domain/wire/messages.ts"

export const N0 = replicaId(0)
export const N1 = replicaId(1)
export const N2 = replicaId(2)
export const N3 = replicaId(3)
export const N4 = replicaId(4)
export const REPLICAS: ReadonlyArray<NodeId> = [N0, N1, N2, N3, N4]
/** The harness numbers clients from N + 16: 0015, 0016, … for five replicas. */
export const CLIENT = "0015" as NodeId
export const CLIENT2 = "0016" as NodeId
/** A well-formed id that belongs to no replica and no client of this cluster. */
export const STRANGER = "0009" as NodeId
export { BROADCAST }

export const timing = defaultTiming

export const configFor = (self: NodeId = N0): ClusterConfig => ({
  self,
  peers: REPLICAS.filter((id) => id !== self),
  timing: defaultTiming
})

/** A fresh replica at time `now`; with `random` = 0 its election deadline is exactly now + electionMin. */
export const freshState = (self: NodeId = N0, now = 0, random = 0): RaftState => initialState(configFor(self), now, random)

// ---------------------------------------------------------------------------------------------
// Messages. Every builder fills the envelope with sensible defaults: to N0, leader unknown.

type Envelope = { readonly src: NodeId; readonly dst?: NodeId; readonly leader?: NodeId }

/** The envelope `fields` ask for, with `dst` and `leader` where they leave them out. */
const envelope = (fields: Envelope, leader: NodeId, dst: NodeId = N0) => ({
  src: fields.src,
  dst: fields.dst ?? dst,
  leader: fields.leader ?? leader
})

/** A client request's envelope: from CLIENT to N0, leader unknown, unless `fields` say otherwise. */
const fromClient = (fields: Partial<Envelope>) => envelope({ ...fields, src: fields.src ?? CLIENT }, BROADCAST)

export const entry = (term: number, put?: { readonly key: string; readonly value: string; readonly client?: NodeId; readonly mid?: string }): Entry =>
  put === undefined
    ? { term }
    : put.client !== undefined && put.mid !== undefined
      ? { term, key: put.key, value: put.value, client: put.client, MID: put.mid }
      : { term, key: put.key, value: put.value }

/** Entries with the given terms, each a distinct put so that a mix-up is visible. */
export const entriesOfTerms = (terms: ReadonlyArray<number>, firstIndex = 1): ReadonlyArray<Entry> =>
  terms.map((t, i) => entry(t, { key: `k${firstIndex + i}`, value: `t${t}` }))

export const append = (
  fields: Envelope & {
    readonly term: number
    readonly prevIndex?: number
    readonly prevTerm?: number
    readonly entries?: ReadonlyArray<Entry>
    readonly commit?: number
    readonly at?: number
    readonly ack?: boolean
  }
): Append => ({
  ...envelope(fields, fields.src),
  type: "append",
  term: fields.term,
  prevIndex: fields.prevIndex ?? 0,
  prevTerm: fields.prevTerm ?? 0,
  entries: fields.entries ?? [],
  commit: fields.commit ?? 0,
  at: fields.at ?? 0,
  ack: fields.ack ?? false
})

export const appended = (
  fields: Envelope & {
    readonly term: number
    readonly success?: boolean
    readonly match?: number
    readonly conflictIndex?: number
    readonly conflictTerm?: number
    readonly at?: number
  }
): Appended => ({
  ...envelope(fields, N0),
  type: "appended",
  term: fields.term,
  success: fields.success ?? true,
  match: fields.match ?? 0,
  conflictIndex: fields.conflictIndex ?? 0,
  conflictTerm: fields.conflictTerm ?? 0,
  at: fields.at ?? 0
})

export const install = (
  fields: Envelope & {
    readonly term: number
    readonly lastIndex: number
    readonly lastTerm: number
    readonly offset?: number
    readonly pairs?: ReadonlyArray<readonly [string, string]>
    readonly mids?: ReadonlyArray<string>
    readonly done?: boolean
    readonly at?: number
  }
): Install => ({
  ...envelope(fields, fields.src),
  type: "install",
  term: fields.term,
  lastIndex: fields.lastIndex,
  lastTerm: fields.lastTerm,
  offset: fields.offset ?? 0,
  pairs: fields.pairs ?? [],
  mids: fields.mids ?? [],
  done: fields.done ?? true,
  at: fields.at ?? 0
})

export const vote = (
  fields: Envelope & { readonly term: number; readonly lastIndex?: number; readonly lastTerm?: number; readonly pre?: boolean }
): Vote => ({
  ...envelope(fields, BROADCAST, BROADCAST),
  type: "vote",
  term: fields.term,
  lastIndex: fields.lastIndex ?? 0,
  lastTerm: fields.lastTerm ?? 0,
  pre: fields.pre ?? false
})

export const voted = (
  fields: Envelope & { readonly term: number; readonly granted?: boolean; readonly pre?: boolean }
): Voted => ({
  ...envelope(fields, BROADCAST),
  type: "voted",
  term: fields.term,
  granted: fields.granted ?? true,
  pre: fields.pre ?? false
})

/** A follower's probe of its leader: by default to N0, believed to lead. */
export const probe = (fields: Envelope & { readonly term: number }): Probe => ({
  ...envelope(fields, fields.dst ?? N0),
  type: "probe",
  term: fields.term
})

export const get = (fields: Partial<Envelope> & { readonly MID: string; readonly key: string }): Get => ({
  ...fromClient(fields),
  type: "get",
  MID: fields.MID,
  key: fields.key
})

export const put = (
  fields: Partial<Envelope> & { readonly MID: string; readonly key: string; readonly value: string }
): Put => ({
  ...fromClient(fields),
  type: "put",
  MID: fields.MID,
  key: fields.key,
  value: fields.value
})

// ---------------------------------------------------------------------------------------------
// Picking outputs.

export const sent = (outputs: ReadonlyArray<Output>): ReadonlyArray<WireMessage> =>
  outputs.flatMap((output) => (output._tag === "Send" ? [output.message] : []))

export type OfType<T extends WireMessage["type"]> = Extract<WireMessage, { readonly type: T }>

export const sentOf = <T extends WireMessage["type"]>(outputs: ReadonlyArray<Output>, type: T): ReadonlyArray<OfType<T>> =>
  sent(outputs).filter((message): message is OfType<T> => message.type === type)

/** Responses to clients: ok, fail and redirect. */
export const responses = (outputs: ReadonlyArray<Output>): ReadonlyArray<OfType<"ok" | "fail" | "redirect">> =>
  sent(outputs).filter((m): m is OfType<"ok" | "fail" | "redirect"> => m.type === "ok" || m.type === "fail" || m.type === "redirect")

// ---------------------------------------------------------------------------------------------
// A replica under test: its state, its clock, and every output it produced.

export class TestNode {
  /** Everything sent or logged since the node was made, in order. */
  readonly history: Array<Output> = []
  lastWake = Number.POSITIVE_INFINITY

  constructor(
    public state: RaftState,
    public now = 0
  ) {}

  get self(): NodeId {
    return this.state.config.self
  }

  private run(input: Input, at: number | undefined, random: number): Step {
    if (at !== undefined) this.now = Math.max(this.now, at)
    const result = step(this.state, input, { now: this.now, random })
    this.state = result.state
    this.lastWake = result.wakeAt
    this.history.push(...result.outputs)
    return result
  }

  /** Delivers a message (at time `at`, if given) and returns what the step produced. */
  receive(message: WireMessage, at?: number, random = 0): ReadonlyArray<Output> {
    return this.run({ _tag: "Message", message }, at, random).outputs
  }

  /** Delivers a timer expiry at `at` (default: now). */
  timeout(at?: number, random = 0): ReadonlyArray<Output> {
    return this.run({ _tag: "Timeout" }, at, random).outputs
  }

  /** Delivers a timer expiry at the election deadline. */
  electionTimeout(): ReadonlyArray<Output> {
    return this.timeout(this.state.electionDeadline)
  }
}

export const node = (self: NodeId = N0, now = 0): TestNode => new TestNode(freshState(self, now), now)

/** Times out and feeds the granted pre-votes of two peers: a candidate of term + 1 (3 of 5 with itself). */
export const makeCandidate = (n: TestNode, voters: ReadonlyArray<NodeId> = [N1, N2]): ReadonlyArray<Output> => {
  const out: Array<Output> = [...n.electionTimeout()]
  const campaign = n.state.term + 1
  for (const voter of voters) out.push(...n.receive(voted({ src: voter, dst: n.self, term: campaign, pre: true })))
  return out
}

/** Drives `n` through pre-vote and vote to leader of its next term, with the votes of `voters`. */
export const makeLeader = (n: TestNode, voters: ReadonlyArray<NodeId> = [N1, N2]): ReadonlyArray<Output> => {
  const out: Array<Output> = [...makeCandidate(n, voters)]
  for (const voter of voters) out.push(...n.receive(voted({ src: voter, dst: n.self, term: n.state.term })))
  return out
}

/** A leader whose no-op has been acknowledged by `ackers` (a quorum with itself), so it is committed. */
export const makeSettledLeader = (n: TestNode, ackers: ReadonlyArray<NodeId> = [N1, N2]): void => {
  makeLeader(n)
  const electedAt = n.now
  for (const peer of ackers) {
    n.receive(appended({ src: peer, dst: n.self, term: n.state.term, match: lastIndex(n.state.log), at: electedAt }))
  }
}

/** Makes `n` a follower of `leader` in `term` holding `entries` (committed up to `commit`). */
export const followLeader = (
  n: TestNode,
  leader: NodeId,
  term: number,
  entries: ReadonlyArray<Entry>,
  commit = 0
): ReadonlyArray<Output> => n.receive(append({ src: leader, dst: n.self, term, entries, commit, at: n.now }))

/** A vote request from `src` describing a log that ends at (index, term). */
export const voteFor = (src: NodeId, term: number, log: { readonly lastIndex: number; readonly lastTerm: number }, pre = false): Vote =>
  vote({ src, term, lastIndex: log.lastIndex, lastTerm: log.lastTerm, pre })

/** `state` as a leader's, for what only a leader has; a test that gets here in another role has gone wrong already. */
export const asLeader = (state: RaftState): RaftState<"leader"> => {
  if (state.role !== "leader") throw new Error(`${state.config.self} is ${state.role}, not leader`)
  return state
}

export const logEnd = (state: RaftState) => ({ lastIndex: lastIndex(state.log), lastTerm: lastTerm(state.log) })

// ---------------------------------------------------------------------------------------------
// Two replicas talking.

/** A message as the other side receives it: encoded, checked against the UDP payload limit, decoded. */
export const overTheWire = (message: WireMessage): WireMessage => {
  const text = encodeMessage(message)
  const bytes = utf8Bytes(text)
  if (bytes > UDP_PAYLOAD_BYTES) throw new Error(`${message.type} to ${message.dst} is ${bytes} bytes, over the UDP payload limit`)
  return Either.getOrThrow(decodeDatagram(text))
}

/**
 * Delivers what `a` sent `b` in `outputs`, then everything they send each other in reply,
 * until neither has more to say; `lose` drops the messages it picks. Returns every message
 * delivered, in order.
 */
export const converse = (
  a: TestNode,
  b: TestNode,
  outputs: ReadonlyArray<Output>,
  lose: (message: WireMessage) => boolean = () => false
): ReadonlyArray<WireMessage> => {
  const delivered: Array<WireMessage> = []
  const queue: Array<readonly [TestNode, WireMessage]> = sent(outputs).filter((m) => m.dst === b.self).map((m) => [b, m] as const)
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [to, message] = next
    const other = to === a ? b : a
    if (lose(message)) continue
    delivered.push(message)
    for (const reply of sent(to.receive(overTheWire(message)))) if (reply.dst === other.self) queue.push([other, reply])
    if (delivered.length > 100_000) throw new Error(`${a.self} and ${b.self} never stop talking`)
  }
  return delivered
}

/** Answers every append in `outputs` to one of `peers` as a follower holding all of it would. */
export const acknowledge = (leader: TestNode, outputs: ReadonlyArray<Output>, peers: ReadonlyArray<NodeId> = [N1, N2]): void => {
  for (const m of sentOf(outputs, "append")) {
    if (!peers.includes(m.dst)) continue
    leader.receive(appended({ src: m.dst, dst: leader.self, term: m.term, match: m.prevIndex + m.entries.length, at: m.at }))
  }
}

/** Has the leader `n` commit one put per value, each acknowledged by N1 and N2 at once. */
export const commitPuts = (n: TestNode, values: ReadonlyArray<readonly [key: string, value: string]>, midPrefix = "p"): void => {
  for (const [i, [key, value]] of values.entries()) {
    acknowledge(n, n.receive(put({ MID: `${midPrefix}${i}`, key, value, leader: n.self })))
  }
}
