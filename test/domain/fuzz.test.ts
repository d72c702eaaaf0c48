/**
 * Property tests with a fixed seed (deterministic, a few seconds in all):
 *  (a) the decoder survives any input;
 *  (b) a replica in every role survives any sequence of datagrams and timer expiries, and
 *      keeps Raft's local invariants while doing so.
 *
 * The replica runs datagrams through `decodeDatagram` exactly as the shell does: what fails
 * to decode is dropped before it can reach `step`, so for those we assert the rejection.
 *
 * Peers are modelled as Raft assumes them to be: not Byzantine. Their messages are otherwise
 * arbitrary (any term, index, flag, send time, order, repetition), but an append never contradicts an
 * entry this replica already committed, and never carries entries of a later term than its own
 * (Leader Completeness, Log Matching); a snapshot is the state of a log that agrees with ours.
 * Against that model every property below must hold. A second run lets peers lie freely and
 * checks only what must survive even that: no crash, monotonic term and commit index,
 * wire-valid outputs, no busy timer.
 */
import { isDeepStrictEqual } from "node:util"
import { Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { NodeId } from "../../src/domain/ids.ts"
import { entryAt, lastIndex, termAt } from "../../src/domain/raft/log/log.ts"
import { imageOf } from "../../src/domain/raft/log/snapshot.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import { applyEntry } from "../../src/domain/raft/log/stateMachine.ts"
import { step, type Input } from "../../src/domain/raft/step.ts"
import { UDP_PAYLOAD_BYTES, utf8Bytes } from "../../src/domain/wire/datagramSize.ts"
import { decodeDatagram, encodeMessage, MAX_DATAGRAM_BYTES } from "../../src/domain/wire/decode.ts"
import type { Entry, WireMessage } from "../../src/domain/wire/messages.ts"
import {
  appended,
  BROADCAST,
  CLIENT,
  CLIENT2,
  entry,
  followLeader,
  get,
  makeCandidate,
  makeLeader,
  N0,
  N1,
  N2,
  N3,
  N4,
  node,
  put,
  freshState,
  install,
  REPLICAS,
  STRANGER,
  TestNode,
  timing
} from "./builders.ts"

const SEED = 20_240_917
const TYPES = new Set(["hello", "get", "put", "ok", "fail", "redirect", "vote", "voted", "append", "appended", "install", "installed", "probe"])
const ID = /^[0-9A-F]{4}$/

// ---------------------------------------------------------------------------------------------
// (a) The decoder.

/** Whatever decodes must be a well-formed message that survives its own round trip. */
const expectWellFormed = (message: WireMessage): void => {
  expect(TYPES.has(message.type)).toBe(true)
  for (const id of [message.src, message.dst, message.leader]) expect(id).toMatch(ID)
  expect(Either.getOrThrow(decodeDatagram(encodeMessage(message)))).toEqual(message)
}

const anyId = fc.constantFrom<NodeId>(N0, N1, N2, N3, N4, CLIENT, CLIENT2, STRANGER, BROADCAST)
const small = fc.nat(12)
const entryArb: fc.Arbitrary<Entry> = fc.record(
  { term: small, key: fc.string({ maxLength: 4 }), value: fc.string({ maxLength: 4 }), client: anyId, MID: fc.string({ maxLength: 4 }) },
  { requiredKeys: ["term"] }
)
const envelopeArb = { src: anyId, dst: anyId, leader: anyId }

/** Every valid message shape, with arbitrary (valid) field values. */
const validMessage: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({ ...envelopeArb, type: fc.constant("hello" as const) }),
  fc.record({ ...envelopeArb, type: fc.constant("get" as const), MID: fc.string(), key: fc.string() }),
  fc.record({ ...envelopeArb, type: fc.constant("put" as const), MID: fc.string(), key: fc.string(), value: fc.string() }),
  fc.record(
    { ...envelopeArb, type: fc.constant("ok" as const), MID: fc.string(), value: fc.string() },
    { requiredKeys: ["src", "dst", "leader", "type", "MID"] }
  ),
  fc.record({ ...envelopeArb, type: fc.constantFrom("fail" as const, "redirect" as const), MID: fc.string() }),
  fc.record({ ...envelopeArb, type: fc.constant("vote" as const), term: small, lastIndex: small, lastTerm: small, pre: fc.boolean() }),
  fc.record({ ...envelopeArb, type: fc.constant("voted" as const), term: small, granted: fc.boolean(), pre: fc.boolean() }),
  fc.record({
    ...envelopeArb,
    type: fc.constant("append" as const),
    term: small,
    prevIndex: small,
    prevTerm: small,
    entries: fc.array(entryArb, { maxLength: 3 }),
    commit: small,
    at: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 }),
    ack: fc.boolean()
  }),
  fc.record({
    ...envelopeArb,
    type: fc.constant("appended" as const),
    term: small,
    success: fc.boolean(),
    match: small,
    conflictIndex: small,
    conflictTerm: small,
    at: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 })
  }),
  fc.record({
    ...envelopeArb,
    type: fc.constant("install" as const),
    term: small,
    lastIndex: small,
    lastTerm: small,
    offset: small,
    pairs: fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), { maxLength: 3 }),
    mids: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    done: fc.boolean(),
    at: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 })
  }),
  fc.record({
    ...envelopeArb,
    type: fc.constant("installed" as const),
    term: small,
    lastIndex: small,
    offset: small,
    done: fc.boolean(),
    at: fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e7 })
  }),
  fc.record({ ...envelopeArb, type: fc.constant("probe" as const), term: small })
)

/** A message-shaped object with a few fields deleted, replaced by arbitrary JSON, or added. */
const perturbedMessage = fc.tuple(
  validMessage,
  fc.array(
    fc.tuple(
      fc.constantFrom("delete", "replace", "add"),
      fc.constantFrom("src", "dst", "leader", "type", "MID", "key", "value", "term", "prevIndex", "entries", "at", "pre", "match", "x"),
      fc.jsonValue({ maxDepth: 2 })
    ),
    { maxLength: 3 }
  )
)

describe("(a) decodeDatagram on arbitrary input", () => {
  it("never throws on arbitrary bytes or strings; whatever it accepts is well formed", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), fc.json({ maxDepth: 3 })), (input) => {
        const result = decodeDatagram(input)
        expect(Either.isEither(result)).toBe(true)
        if (Either.isRight(result)) expectWellFormed(result.right)
      }),
      { seed: SEED, numRuns: 2000 }
    )
  })

  it("never throws on arbitrary JSON values; rejects every non-object as not-an-object", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = decodeDatagram(JSON.stringify(value))
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          expect(Either.isLeft(result) && result.left.reason).toBe("not-an-object")
        } else if (Either.isRight(result)) {
          expectWellFormed(result.right)
        }
      }),
      { seed: SEED, numRuns: 2000 }
    )
  })

  it("decodes every valid message to itself, and never throws on message-shaped objects with random fields", () => {
    fc.assert(
      fc.property(perturbedMessage, ([message, changes]) => {
        const json: Record<string, unknown> = JSON.parse(encodeMessage(message)) as Record<string, unknown>
        for (const [change, field, value] of changes) {
          if (change === "delete") delete json[field]
          else json[field] = value
        }
        const result = decodeDatagram(JSON.stringify(json))
        if (changes.length === 0) expect(Either.getOrThrow(result)).toEqual(message)
        if (Either.isRight(result)) expectWellFormed(result.right)
        else expect(result.left.reason).toBe("invalid-message")
      }),
      { seed: SEED, numRuns: 2000 }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// (b) A replica fed arbitrary inputs.

const PEERS: ReadonlyArray<NodeId> = [N1, N2, N3, N4]
/** Client MIDs are drawn from a small pool so that replays happen. */
const MIDS = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]

interface PeerSpec {
  readonly type: "vote" | "voted" | "append" | "appended" | "install" | "installed" | "probe"
  readonly src: NodeId
  readonly dst: NodeId
  readonly dTerm: number
  readonly flag: boolean
  readonly granted: boolean
  readonly a: number
  readonly b: number
  readonly steps: ReadonlyArray<number>
  readonly puts: ReadonlyArray<boolean>
  readonly atBack: number
  readonly honestPrev: boolean
  /** How many of our committed entries an honest append repeats: all of them, or a stale few. */
  readonly copy: number
}

interface ClientSpec {
  readonly type: "get" | "put"
  readonly src: NodeId
  readonly dst: NodeId
  readonly mid: string
  readonly key: string
  readonly value: string
  readonly leaderChoice: number
}

type Breakage = "truncate" | "drop-field" | "bad-id" | "bad-number" | "bad-type" | "oversize" | "garbage"

type Command =
  | { readonly kind: "wait"; readonly ms: number; readonly late: boolean; readonly random: number }
  | { readonly kind: "peer"; readonly dt: number; readonly random: number; readonly spec: PeerSpec }
  | { readonly kind: "client"; readonly dt: number; readonly random: number; readonly spec: ClientSpec }
  | {
      readonly kind: "invalid"
      readonly dt: number
      readonly spec: PeerSpec | ClientSpec
      readonly breakage: Breakage
      readonly cut: number
      readonly garbage: string
    }
  /** A peer answering the last thing this replica sent it, the way a live Raft peer would. */
  | { readonly kind: "reply"; readonly dt: number; readonly random: number; readonly peer: NodeId; readonly variant: number }

const weighted = <T>(...choices: ReadonlyArray<readonly [number, T]>): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })))

/** A delay in ms with a fractional part: the virtual clock is not whole milliseconds. */
const time = (max: number) => fc.tuple(fc.nat(max), fc.nat(999)).map(([ms, micros]) => ms + micros / 1000)
const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

const peerSpec: fc.Arbitrary<PeerSpec> = fc.record({
  type: weighted<PeerSpec["type"]>([3, "vote"], [3, "voted"], [3, "append"], [3, "appended"], [2, "install"], [1, "installed"], [2, "probe"]),
  src: weighted<NodeId>([6, N1], [6, N2], [6, N3], [6, N4], [1, STRANGER], [1, N0], [1, CLIENT]),
  dst: weighted<NodeId>([20, N0], [2, BROADCAST], [1, N2]),
  dTerm: weighted([2, -1], [14, 0], [3, 1], [1, 2], [1, -2]),
  flag: fc.boolean(),
  granted: weighted([5, true], [1, false]),
  a: fc.nat(14),
  b: fc.nat(14),
  steps: fc.array(weighted([5, 0], [1, 1]), { maxLength: 4 }),
  puts: fc.array(fc.boolean(), { maxLength: 4 }),
  atBack: weighted<number>([3, 0], [2, 1], [1, 700], [1, 1400], [1, 5000]),
  honestPrev: weighted([4, true], [1, false]),
  copy: weighted([4, Number.POSITIVE_INFINITY], [1, 0], [1, 1], [1, 2])
})

const clientSpec: fc.Arbitrary<ClientSpec> = fc.record({
  type: fc.constantFrom("get", "put"),
  src: weighted<NodeId>([6, CLIENT], [3, CLIENT2], [1, STRANGER], [1, N1]),
  dst: weighted<NodeId>([12, N0], [1, N3]),
  mid: fc.constantFrom(...MIDS),
  key: fc.constantFrom("a", "b"),
  value: fc.string({ maxLength: 3 }),
  leaderChoice: fc.nat(3)
})

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: time(3000), late: fc.boolean(), random: draw }) },
  {
    weight: 14,
    arbitrary: fc.record({ kind: fc.constant("reply" as const), dt: time(5), random: draw, peer: fc.constantFrom(...PEERS), variant: fc.nat(5) })
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("peer" as const), dt: time(40), random: draw, spec: peerSpec }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("client" as const), dt: time(40), random: draw, spec: clientSpec }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("invalid" as const),
      dt: time(40),
      spec: fc.oneof(peerSpec, clientSpec),
      breakage: weighted<Breakage>(
        [3, "truncate"],
        [3, "drop-field"],
        [2, "bad-id"],
        [2, "bad-number"],
        [2, "bad-type"],
        [1, "garbage"],
        [1, "oversize"]
      ),
      cut: fc.nat(),
      garbage: fc.string({ unit: "binary", maxLength: 40 })
    })
  }
)

/** A request is its client's: two clients may choose the same MID. */
const requestOf = (client: NodeId, mid: string): string => `${client}/${mid}`

/** What the test knows about the run so far, to judge each step. */
interface Run {
  readonly node: TestNode
  readonly byzantine: boolean
  /** Client and MID (`requestOf`) → the kind of the first such request the replica accepted. */
  readonly requests: Map<string, { readonly client: NodeId; readonly type: "get" | "put" }>
  /** Client and MID of every request answered. */
  readonly answered: Set<string>
  /** The last datagram this replica sent each peer (broadcasts count for all). */
  readonly lastTo: Map<NodeId, WireMessage>
  readonly coverage: Coverage
}

/** What the runs reached, so a test can insist that the fuzzing exercised the interesting paths. */
interface Coverage {
  readonly roles: Set<string>
  elected: number
  commits: number
  oks: number
  redirects: number
  stepDowns: number
  rejected: number
  installs: number
  probes: number
}

const emptyCoverage = (): Coverage => ({ roles: new Set(), elected: 0, commits: 0, oks: 0, redirects: 0, stepDowns: 0, rejected: 0, installs: 0, probes: 0 })

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, value))

/** The entries following `prevIndex` in a peer's append: never contradicting what this replica committed (unless Byzantine). */
const appendEntries = (
  state: RaftState,
  spec: PeerSpec,
  term: number,
  prevIndex: number,
  prevTerm: number,
  byzantine: boolean
): ReadonlyArray<Entry> => {
  const out: Array<Entry> = []
  const committed = Math.min(state.commitIndex, lastIndex(state.log))
  if (!byzantine) {
    // Entries our snapshot covers are gone from our log; any stand-in will do, since a follower skips them.
    for (let i = prevIndex + 1; i <= Math.min(committed, prevIndex + spec.copy); i++) out.push(entryAt(state.log, i) ?? entry(state.log.baseTerm))
    // A stale append ends inside what we committed: it has nothing newer to add.
    if (prevIndex + out.length < committed) return out
  }
  let t = byzantine ? spec.b % (term + 3) : Math.min(out.at(-1)?.term ?? prevTerm, term)
  spec.steps.forEach((stepUp, i) => {
    t = byzantine ? t + stepUp : Math.min(term, t + stepUp)
    const mid = MIDS[(spec.a + i) % MIDS.length]!
    out.push(spec.puts[i] === true ? entry(t, { key: i % 2 === 0 ? "a" : "b", value: `r${i}`, client: CLIENT, mid }) : entry(t))
  })
  return out
}

const peerMessage = (run: Run, spec: PeerSpec): WireMessage => {
  const state = run.node.state
  const now = run.node.now
  const term = Math.max(0, state.term + spec.dTerm)
  const last = lastIndex(state.log)
  const envelope = { src: spec.src, dst: spec.dst, leader: spec.type === "append" || spec.type === "install" ? spec.src : BROADCAST }
  const at = Math.max(0, now - spec.atBack)
  switch (spec.type) {
    case "vote":
      return { ...envelope, type: "vote", term, lastIndex: spec.a, lastTerm: Math.min(spec.b, term), pre: spec.flag }
    case "voted":
      return { ...envelope, type: "voted", term, granted: spec.granted, pre: spec.flag }
    case "append": {
      const prevIndex = spec.a % (last + 3)
      const local = termAt(state.log, prevIndex)
      const prevTerm = spec.honestPrev && local !== undefined ? local : spec.b % (term + 1)
      const entries = appendEntries(state, spec, term, prevIndex, prevTerm, run.byzantine)
      const commit = clamp(state.commitIndex + spec.b - 4, 0, run.byzantine ? 1e6 : prevIndex + entries.length + 2)
      return { ...envelope, type: "append", term, prevIndex, prevTerm, entries, commit, at, ack: spec.flag }
    }
    case "appended": {
      const match = run.byzantine ? spec.a : spec.a % (last + 1)
      const conflictIndex = spec.b % (last + 3)
      return appended({ ...envelope, term, success: spec.flag, match, conflictIndex, conflictTerm: Math.min(spec.steps.length, term), at })
    }
    case "install":
      return run.byzantine ? lyingInstall(spec, term, at) : { ...envelope, ...honestInstall(state, spec, term), at }
    case "installed": {
      // An honest follower claims to hold a whole snapshot only in answer to one, which no leader here ever sends.
      const done = run.byzantine && spec.flag
      return { ...envelope, type: "installed", term, lastIndex: spec.a, offset: spec.b, done, at }
    }
    case "probe":
      return { ...envelope, type: "probe", term }
  }
}

/**
 * A chunk of the snapshot of a leader whose log agrees with ours through `lastIndex` (within
 * our log, mostly past our commit index): our state machine with our entries up to there
 * applied. It continues the snapshot we are receiving when it is the same one; it may end
 * before the snapshot does.
 */
const honestInstall = (state: RaftState, spec: PeerSpec, term: number) => {
  const last = lastIndex(state.log)
  const ahead = last - state.commitIndex
  const upTo = spec.honestPrev && ahead > 0 ? state.commitIndex + 1 + (spec.a % ahead) : spec.a % (last + 1)
  const lastTerm = termAt(state.log, upTo) ?? 0
  let machine = state.machine
  for (let i = state.commitIndex + 1; i <= upTo; i++) machine = applyEntry(machine, entryAt(state.log, i)!)
  const image = imageOf(machine)
  const items = [...image.pairs, ...image.mids]
  const incoming = state.incoming
  const continuing = incoming !== undefined && incoming.term === term && incoming.lastIndex === upTo && incoming.lastTerm === lastTerm
  const offset = continuing ? Math.min(incoming.offset, items.length) : 0
  const end = spec.flag ? items.length : offset + (spec.b % (items.length - offset + 1))
  const chunk = items.slice(offset, end)
  return {
    type: "install" as const,
    term,
    lastIndex: upTo,
    lastTerm,
    offset,
    pairs: chunk.filter((item): item is readonly [string, string] => typeof item !== "string"),
    mids: chunk.filter((item): item is string => typeof item === "string"),
    done: end === items.length
  }
}

const lyingInstall = (spec: PeerSpec, term: number, at: number): WireMessage =>
  install({
    src: spec.src,
    dst: spec.dst,
    term,
    lastIndex: spec.a,
    lastTerm: spec.b % (term + 1),
    offset: spec.steps.length,
    pairs: spec.puts.map((p, i) => [p ? "a" : "b", `l${i}`] as const),
    mids: spec.puts.map((_, i) => MIDS[(spec.a + i) % MIDS.length]!),
    done: spec.flag,
    at
  })

/** How a live peer answers what it last got from this replica; with nothing to answer, its leader's heartbeat. */
const replyMessage = (run: Run, peer: NodeId, variant: number): WireMessage => {
  const state = run.node.state
  const last = lastIndex(state.log)
  const heard = run.lastTo.get(peer)
  const heartbeat = (term: number, leader: NodeId, entries: ReadonlyArray<Entry>): WireMessage => ({
    src: leader,
    dst: state.config.self,
    leader,
    type: "append",
    term,
    prevIndex: last,
    prevTerm: termAt(state.log, last) ?? 0,
    entries,
    commit: variant === 0 ? state.commitIndex : last,
    at: run.node.now,
    ack: variant % 2 === 0
  })
  switch (heard?.type) {
    case "vote":
      return { src: peer, dst: state.config.self, leader: BROADCAST, type: "voted", term: heard.term, granted: variant !== 0, pre: heard.pre }
    case "append":
      return variant === 0
        ? appended({ src: peer, term: heard.term, success: false, conflictIndex: Math.max(1, heard.prevIndex), at: heard.at })
        : appended({ src: peer, term: heard.term, match: heard.prevIndex + heard.entries.length, at: heard.at })
    case "probe":
      // A live leader shows itself.
      return heartbeat(heard.term, peer, [])
    case "voted":
      // It won: its first append carries its no-op.
      return heard.granted && !heard.pre ? heartbeat(heard.term, peer, [entry(heard.term)]) : heartbeat(state.term, peer, [])
    default: {
      // Its leader's heartbeat (with a put, sometimes), or it campaigns itself.
      if (variant >= 3) {
        const lastTerm = termAt(state.log, last) ?? 0
        return { src: peer, dst: BROADCAST, leader: BROADCAST, type: "vote", term: state.term + 1, lastIndex: last, lastTerm, pre: variant === 3 }
      }
      const leader = state.leader !== BROADCAST && state.leader !== state.config.self ? state.leader : peer
      return heartbeat(state.term, leader, variant === 2 ? [entry(state.term, { key: "a", value: "h", client: CLIENT, mid: MIDS[0]! })] : [])
    }
  }
}

const clientMessage = (run: Run, spec: ClientSpec): WireMessage => {
  const leader = [BROADCAST, run.node.state.leader, N1, N0][spec.leaderChoice]!
  return spec.type === "get"
    ? get({ src: spec.src, dst: spec.dst, leader, MID: spec.mid, key: spec.key })
    : put({ src: spec.src, dst: spec.dst, leader, MID: spec.mid, key: spec.key, value: spec.value })
}

/** Text that decodeDatagram must reject, built by breaking a valid message in one specific way. */
const brokenDatagram = (message: WireMessage, breakage: Breakage, cut: number, garbage: string): string => {
  const text = encodeMessage(message)
  const json = JSON.parse(text) as Record<string, unknown>
  const fields = Object.keys(json)
  switch (breakage) {
    case "truncate":
      return text.slice(0, cut % text.length) // a proper prefix of an object's text is never JSON
    case "drop-field": {
      const required = fields.filter((field) => field !== "value" || message.type === "put")
      delete json[required[cut % required.length]!]
      return JSON.stringify(json)
    }
    case "bad-id":
      json[["src", "dst", "leader"][cut % 3]!] = ["00g1", "12345", "ffff", "", 7][cut % 5]
      return JSON.stringify(json)
    case "bad-number": {
      const numeric = fields.filter((field) => typeof json[field] === "number" && field !== "at")
      if (numeric.length === 0) return JSON.stringify({ ...json, type: "unknown" })
      json[numeric[cut % numeric.length]!] = [-1, 0.5, "3", null][cut % 4]
      return JSON.stringify(json)
    }
    case "bad-type":
      return JSON.stringify({ ...json, type: ["bogus", "", 42, null][cut % 4] })
    case "oversize":
      return text + " ".repeat(MAX_DATAGRAM_BYTES)
    case "garbage":
      return `${garbage}\u0000{`
  }
}

/** Properties of every step, given the state before and after. */
/** A cheap assertion for the hot path: `expect` is too slow to call a million times. */
const holds = (condition: boolean, what: () => string): void => {
  if (!condition) throw new Error(`invariant broken: ${what()}`)
}

/** Properties of every step, given the state before and after. */
const judge = (run: Run, before: RaftState, input: Input, result: ReturnType<typeof step>, now: number): void => {
  const after = result.state
  const self = before.config.self
  const at = () =>
    `t=${now} ${before.role}/${before.term} -> ${after.role}/${after.term} on ${input._tag === "Timeout" ? "timeout" : JSON.stringify(input.message)}`

  // Terms and commit indexes never go back; a vote, once cast, stands for the whole term.
  holds(after.term >= before.term, () => `term went back: ${at()}`)
  holds(after.commitIndex >= before.commitIndex, () => `commitIndex went back ${before.commitIndex} -> ${after.commitIndex}: ${at()}`)
  holds(after.term !== before.term || before.votedFor === undefined || after.votedFor === before.votedFor, () => `second vote in term: ${at()}`)
  // Role bookkeeping is consistent.
  holds((after.role === "leader") === (after.leaderState !== undefined), () => `leader state without leading: ${at()}`)
  holds(after.role !== "leader" || (after.leader === self && after.parked.length === 0), () => `leader that does not name itself: ${at()}`)
  holds(after.probe === undefined || (after.role === "follower" && after.leader !== BROADCAST), () => `probing with no leader to ask: ${at()}`)
  // A timer expiry never leaves the timer due: the shell would spin.
  holds(input._tag !== "Timeout" || (Number.isFinite(result.wakeAt) && result.wakeAt > now), () => `timer still due at ${result.wakeAt}: ${at()}`)
  // Everything sent is a datagram the harness accepts, from this replica.
  for (const output of result.outputs) {
    if (output._tag !== "Send") continue
    const message = output.message
    const text = encodeMessage(message)
    holds(message.src === self && message.dst !== self, () => `bad envelope ${text}: ${at()}`)
    holds(utf8Bytes(text) <= UDP_PAYLOAD_BYTES, () => `output over the UDP payload limit: ${at()}`)
    const decoded = decodeDatagram(text)
    holds(Either.isRight(decoded) && isDeepStrictEqual(decoded.right, message), () => `output does not decode to itself ${text}: ${at()}`)
  }
  if (run.byzantine) return

  // Committed entries never change (State Machine Safety, locally), though a snapshot may replace them (§7); a leader only appends (§5.3).
  for (let i = after.log.base + 1; i <= before.commitIndex; i++) {
    const was = entryAt(before.log, i)
    const is = entryAt(after.log, i)
    holds(was === is || isDeepStrictEqual(was, is), () => `committed entry ${i} changed ${JSON.stringify(was)} -> ${JSON.stringify(is)}: ${at()}`)
  }
  holds(after.commitIndex <= lastIndex(after.log), () => `commitIndex ${after.commitIndex} past the log: ${at()}`)
  // Only committed state is ever compacted, and the next snapshot lies between the current one and the commit index.
  holds(
    after.log.base <= after.checkpoint.index && after.checkpoint.index <= after.commitIndex,
    () => `snapshot ${after.log.base} / checkpoint ${after.checkpoint.index} / commit ${after.commitIndex} out of order: ${at()}`
  )
  if (before.role === "leader" && after.role === "leader") {
    for (let i = after.log.base + 1; i <= lastIndex(before.log); i++) {
      holds(entryAt(after.log, i) === entryAt(before.log, i), () => `leader rewrote entry ${i}: ${at()}`)
    }
  }
  for (const output of result.outputs) {
    if (output._tag !== "Send") continue
    const message = output.message
    // Every datagram names the leader this replica believes in: after the step, or (for a parked
    // request expiring in the same timer expiry that starts a pre-vote) just before it.
    holds(
      message.leader === after.leader || (message.type === "redirect" && message.leader === before.leader),
      () => `${message.type} names leader ${message.leader}, replica believes ${after.leader}: ${at()}`
    )
    if (message.type !== "ok" && message.type !== "fail" && message.type !== "redirect") {
      holds(REPLICAS.includes(message.dst) || message.dst === BROADCAST, () => `replica message to ${message.dst}: ${at()}`)
      continue
    }
    // Exactly one response per MID, only to a request this replica accepted, to the client that sent it.
    const asked = requestOf(message.dst, message.MID)
    holds(!run.answered.has(asked), () => `second response to ${message.MID}: ${at()}`)
    run.answered.add(asked)
    const request = run.requests.get(asked)
    holds(request !== undefined && message.dst === request.client, () => `response to a request never received ${JSON.stringify(message)}: ${at()}`)
    const rightKind = message.type !== "ok" || (message.value === undefined) === (request?.type === "put")
    holds(rightKind, () => `ok of the wrong kind ${JSON.stringify(message)}: ${at()}`)
  }
  // A leader that steps down leaves no client waiting unaccounted for (§6.2, §8): its waiting
  // reads are answered at once, its uncommitted puts either answered or kept as undecided, to
  // be answered once their fate is known. A follower that hears its leader releases what it parked.
  if (before.role === "leader" && after.role !== "leader") {
    for (const { request } of before.leaderState?.reads ?? []) {
      holds(run.answered.has(requestOf(request.src, request.MID)), () => `read ${request.MID} left waiting by a leader stepping down: ${at()}`)
    }
    const undecided = new Set(after.undecided.map((put) => requestOf(put.client, put.MID)))
    for (let i = before.commitIndex + 1; i <= lastIndex(before.log); i++) {
      const entry = entryAt(before.log, i)
      if (entry?.term !== before.term || entry.MID === undefined || entry.client === undefined) continue
      const put = requestOf(entry.client, entry.MID)
      if (run.requests.get(put)?.type !== "put") continue
      holds(run.answered.has(put) || undecided.has(put), () => `put ${entry.MID} forgotten by a leader stepping down: ${at()}`)
    }
  }
  // An undecided put is answered exactly when its fate is known, never before.
  for (const put of before.undecided) {
    const stillUndecided = after.undecided.some((u) => u.MID === put.MID && u.client === put.client)
    holds(stillUndecided !== run.answered.has(requestOf(put.client, put.MID)), () => `undecided put ${put.MID} neither kept nor answered: ${at()}`)
  }
  const heard = input._tag === "Message" && input.message.type === "append" ? input.message : undefined
  const fromLeader = heard !== undefined && heard.dst === self && heard.term >= before.term && PEERS.includes(heard.src)
  if (fromLeader && after.role === "follower" && after.leader === heard.src) {
    holds(after.parked.length === 0, () => `parked requests kept after hearing the leader: ${at()}`)
  }
}

const deliver = (run: Run, input: Input, at: number, random: number, delivered?: WireMessage): void => {
  const n = run.node
  const before = n.state
  n.now = Math.max(n.now, at)
  if (delivered !== undefined && (delivered.type === "get" || delivered.type === "put")) {
    const accepted = delivered.dst === before.config.self && !REPLICAS.includes(delivered.src)
    const key = requestOf(delivered.src, delivered.MID)
    if (accepted && !run.requests.has(key)) run.requests.set(key, { client: delivered.src, type: delivered.type })
  }
  const result = step(before, input, { now: n.now, random })
  n.state = result.state
  n.lastWake = result.wakeAt
  judge(run, before, input, result, n.now)
  const after = result.state
  const seen = run.coverage
  seen.roles.add(after.role)
  if (after.role === "leader" && before.role !== "leader") seen.elected++
  if (before.role === "leader" && after.role !== "leader") seen.stepDowns++
  if (after.commitIndex > before.commitIndex) seen.commits++
  if (after.log.base > before.log.base) seen.installs++
  for (const output of result.outputs) {
    if (output._tag !== "Send") continue
    const message = output.message
    if (message.type === "ok") seen.oks++
    if (message.type === "redirect") seen.redirects++
    if (message.type === "probe") seen.probes++
    if (message.dst === BROADCAST) for (const peer of PEERS) run.lastTo.set(peer, message)
    else run.lastTo.set(message.dst, message)
  }
}

/** Fires every timer due by `until`, each exactly at its deadline, as the shell would. */
const fireTimers = (run: Run, until: number, random: number): void => {
  for (let fired = 0; run.node.lastWake <= until; fired++) {
    holds(fired < 200, () => `timer keeps firing at ${run.node.lastWake}`)
    deliver(run, { _tag: "Timeout" }, run.node.lastWake, random)
  }
}

/**
 * Datagrams go through the decoder first, as in the shell; rejected ones never reach the replica.
 * `sent` is the message the text was made from when it is valid, undefined when it was broken on purpose.
 */
const receive = (run: Run, text: string, random: number, sent: WireMessage | undefined): void => {
  const decoded = decodeDatagram(text)
  if (sent === undefined) holds(Either.isLeft(decoded), () => `a broken datagram decoded: ${text.slice(0, 200)}`)
  else holds(Either.isRight(decoded) && isDeepStrictEqual(decoded.right, sent), () => `a valid datagram was not decoded to itself: ${text}`)
  if (Either.isLeft(decoded)) {
    run.coverage.rejected++
    return
  }
  deliver(run, { _tag: "Message", message: decoded.right }, run.node.now, random, decoded.right)
}

const execute = (run: Run, command: Command): void => {
  const n = run.node
  switch (command.kind) {
    case "wait": {
      const until = n.now + command.ms
      if (command.late && n.lastWake <= until) deliver(run, { _tag: "Timeout" }, until, command.random)
      fireTimers(run, until, command.random)
      n.now = Math.max(n.now, until)
      return
    }
    case "peer":
    case "client":
    case "reply": {
      fireTimers(run, n.now + command.dt, command.random)
      n.now += command.dt
      const message =
        command.kind === "peer"
          ? peerMessage(run, command.spec)
          : command.kind === "client"
            ? clientMessage(run, command.spec)
            : replyMessage(run, command.peer, command.variant)
      receive(run, encodeMessage(message), command.random, message)
      return
    }
    case "invalid": {
      fireTimers(run, n.now + command.dt, 0)
      n.now += command.dt
      const spec = command.spec
      const message = "mid" in spec ? clientMessage(run, spec) : peerMessage(run, spec)
      receive(run, brokenDatagram(message, command.breakage, command.cut, command.garbage), 0, undefined)
      return
    }
  }
}

/** Starting points: a replica in each role, with a log, some of it committed, and clients waiting. */
const starts: Record<string, () => { readonly node: TestNode; readonly mids: ReadonlyArray<readonly [string, NodeId, "get" | "put"]> }> = {
  follower: () => {
    const n = node()
    followLeader(n, N1, 2, [entry(1, { key: "a", value: "0", client: CLIENT, mid: "s0" }), entry(1), entry(2, { key: "b", value: "1" })], 2)
    return { node: n, mids: [] }
  },
  precandidate: () => {
    const n = starts.follower!().node
    n.receive(get({ MID: "s1", key: "a", leader: N1 }), 10) // parked: our leader is silent since
    n.electionTimeout()
    return { node: n, mids: [["s1", CLIENT, "get"]] }
  },
  candidate: () => {
    const { node: n, mids } = starts.precandidate!()
    makeCandidate(n)
    return { node: n, mids }
  },
  leader: () => {
    const n = starts.follower!().node
    makeLeader(n) // term 3 at 1500, no-op at 4
    for (const peer of [N1, N2]) n.receive(appended({ src: peer, term: 3, match: 4, at: n.now }))
    n.receive(put({ MID: "s2", key: "a", value: "2", leader: N0 }), n.now + 100)
    n.receive(get({ MID: "s3", src: CLIENT2, key: "a", leader: N0 }), n.now + timing.lease)
    return {
      node: n,
      mids: [
        ["s2", CLIENT, "put"],
        ["s3", CLIENT2, "get"]
      ]
    }
  }
}

const runFor = (role: string, byzantine: boolean, commands: ReadonlyArray<Command>, coverage: Coverage): void => {
  const { node: n, mids } = starts[role]!()
  expect(n.state.role).toBe(role)
  const run: Run = { node: n, byzantine, requests: new Map(), answered: new Set(), lastTo: new Map(), coverage }
  for (const [mid, client, type] of mids) run.requests.set(requestOf(client, mid), { client, type })
  for (const output of n.history) {
    if (output._tag === "Send" && (output.message.type === "ok" || output.message.type === "redirect")) {
      run.answered.add(requestOf(output.message.dst, output.message.MID))
    }
  }
  for (const c of commands) execute(run, c)
}

describe("(b) a replica fed arbitrary datagrams and timer expiries", () => {
  for (const [offset, role] of ["follower", "precandidate", "candidate", "leader"].entries()) {
    it(`as a ${role}: never throws, keeps terms and commits monotonic, never rewrites a committed entry, answers each MID at most once`, () => {
      const coverage = emptyCoverage()
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 60, size: "max" }), (commands) => runFor(role, false, commands, coverage)),
        { seed: SEED + offset, numRuns: 300 }
      )
      // The runs reached elections, commits, answers, step-downs, dropped datagrams, installed snapshots and probes of a leader.
      expect([...coverage.roles].sort()).toEqual(["candidate", "follower", "leader", "precandidate"])
      for (const key of ["elected", "commits", "oks", "redirects", "stepDowns", "rejected", "installs", "probes"] as const) {
        expect(coverage[key], key).toBeGreaterThan(10)
      }
    })
  }

  it("with peers that lie (Byzantine), still never throws, keeps terms and commits monotonic, and emits only valid datagrams", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("follower", "precandidate", "candidate", "leader"),
        fc.array(command, { minLength: 1, maxLength: 60, size: "max" }),
        (role, commands) => runFor(role, true, commands, emptyCoverage())
      ),
      { seed: SEED, numRuns: 400 }
    )
  })

  it("a timer expiry delivered exactly at wakeAt always moves wakeAt past it, whatever fractional times the clock shows", () => {
    // Unbiased binary fractions at run-sized magnitudes: round or huge times hide floating-point rounding.
    const fractional = (max: number) => fc.noBias(fc.tuple(fc.nat(max), fc.nat())).map(([whole, bits]) => whole + bits / 2 ** 31)
    const schedule = fc.array(fc.tuple(fractional(700), fc.boolean()), { minLength: 1, maxLength: 40 })
    fc.assert(
      fc.property(fractional(5000), draw, schedule, (start, random, rounds) => {
        const n = new TestNode(freshState(N0, start, random), start)
        makeLeader(n)
        for (const [delay, answer] of rounds) {
          const when = n.now + delay
          if (answer && n.state.role === "leader" && when < n.lastWake) {
            for (const peer of [N1, N2]) n.receive(appended({ src: peer, term: n.state.term, match: lastIndex(n.state.log), at: when }), when)
          }
          const due = n.lastWake
          n.timeout(due, random)
          holds(n.lastWake > due, () => `${n.state.role} timer still due at ${n.lastWake} after firing at ${due}`)
        }
      }),
      { seed: SEED, numRuns: 300 }
    )
  })

  it("the starting points really are in their roles and have something at stake", () => {
    for (const [role, make] of Object.entries(starts)) {
      const { node: n } = make()
      expect(n.state.role).toBe(role)
      expect(n.state.commitIndex).toBeGreaterThan(0)
      expect(n.history.length).toBeGreaterThan(0)
    }
  })
})
