import type { NodeId } from "../ids.ts"
import type { Backoff } from "./structures/backoff.ts"
import { BROADCAST } from "../ids.ts"
import type { ClientRequest, Get, Put } from "../wire/messages.ts"
import type { Delivery } from "./leader/delivery.ts"
import { emptyLog, type Log } from "./log/log.ts"
import type { ProgressMap } from "./leader/progress.ts"
import { emptyRecent, type RecentSet } from "./structures/recentSet.ts"
import type { RoundTrip } from "./leader/roundTrip.ts"
import { emptyImage, initialCheckpoint, type Checkpoint, type IncomingSnapshot, type SnapshotImage } from "./log/snapshot.ts"
import { emptyStateMachine, type StateMachine } from "./log/stateMachine.ts"
import { electionDeadline, type Timing } from "./timing.ts"

export interface ClusterConfig {
  readonly self: NodeId
  readonly peers: ReadonlyArray<NodeId>
  readonly timing: Timing
}

/** A client request a follower holds back while it suspects its leader is dead. */
export interface Parked {
  readonly request: ClientRequest
  readonly until: number
}

/**
 * A put this replica appended as leader and was deposed before it committed. Its client waits
 * on it still: it is answered once its fate is known, `ok` if it committed, `redirect` if it
 * was overwritten. Redirecting at once instead would let the client's retry (a new MID, so no
 * deduplication) apply the value a second time, after writes that followed the first — a
 * linearizability violation the fault campaign found (docs/protocol-choices.md, "Exactly one
 * response per MID").
 */
export interface Undecided {
  readonly index: number
  readonly term: number
  readonly client: NodeId
  readonly MID: string
}

/** A get the leader cannot answer yet: its lease lapsed, or its first entry is not committed. */
export interface WaitingRead {
  readonly request: Get
}

export interface LeaderState {
  readonly progress: ProgressMap
  /** Index of this term's no-op: reads wait until it commits (§8). */
  readonly termStart: number
  /** When it became leader: nothing it sent in this term, and so no echoed send time, is older. */
  readonly electedAt: number
  /** When the oldest uncommitted entry was appended; retransmission is timed from here. */
  readonly uncommittedSince: number
  readonly reads: ReadonlyArray<WaitingRead>
  /** Puts kept out of the log while it is stalled (leader.ts, `holdsPuts`), in arrival order. */
  readonly held: ReadonlyArray<Put>
  /** How many acknowledged appends this term got their answer, lately (delivery.ts). */
  readonly delivery: Delivery
  /** How long its appends' round trips take, lately; `undefined` before the first answer (roundTrip.ts). */
  readonly roundTrip: RoundTrip | undefined
}

/**
 * A (pre-)candidate's round of asking for votes: who has answered, granted or not, and when
 * to ask the silent ones again. Asking again within the round, rather than only at the next
 * election timeout, is what keeps elections quick on a lossy network: with 15% drops and only
 * three replicas left, one broadcast round wins about a quarter of the time.
 */
export interface Canvass extends Backoff {
  readonly answered: ReadonlySet<NodeId>
}

/** What a replica holds whatever its role. */
export interface ReplicaFields {
  readonly config: ClusterConfig
  readonly term: number
  readonly votedFor: NodeId | undefined
  /** The leader this replica believes in (BROADCAST when none): stamped on every datagram. */
  readonly leader: NodeId
  readonly log: Log
  readonly commitIndex: number
  readonly machine: StateMachine
  /** The state machine as of `log.base`: what the compacted prefix of the log amounts to (§7). */
  readonly snapshot: SnapshotImage
  /** A later committed state that becomes the snapshot at the next compaction. */
  readonly checkpoint: Checkpoint
  /** A snapshot this follower is receiving from its leader, while it has not got all of it. */
  readonly incoming: IncomingSnapshot | undefined
  readonly electionDeadline: number
  /** When this replica last heard from a leader of its term: votes are refused for electionMin after. */
  readonly leaderContactAt: number
  readonly votes: ReadonlySet<NodeId>
  readonly parked: ReadonlyArray<Parked>
  /**
   * A follower asking its leader to show it is alive, for the client requests it holds until
   * then (parking.ts, probing.ts): when to ask again, and how many more times.
   */
  readonly probe: Backoff | undefined
  readonly undecided: ReadonlyArray<Undecided>
  /** MIDs of client datagrams already handled here: a replay gets no second response. */
  readonly seen: RecentSet
}

export type Role = "follower" | "precandidate" | "candidate" | "leader"

/**
 * What each role holds besides: a (pre-)candidate its canvass, a leader its view of the
 * followers. The other roles hold the same fields as `undefined`, so that every state has one
 * shape (see `build`).
 */
interface RoleFields {
  readonly follower: { readonly canvass: undefined; readonly leaderState: undefined }
  readonly precandidate: { readonly canvass: Canvass; readonly leaderState: undefined }
  readonly candidate: { readonly canvass: Canvass; readonly leaderState: undefined }
  readonly leader: { readonly canvass: undefined; readonly leaderState: LeaderState }
}

/**
 * One replica's entire state: every step maps it to a new one. `RaftState<"leader">` is a
 * leader's, `RaftState` any replica's; checking `state.role` narrows one to the other.
 */
export type RaftState<R extends Role = Role> = {
  readonly [K in R]: ReplicaFields & { readonly role: K } & RoleFields[K]
}[R]

/**
 * Every state is built here, field by field, never as `{ ...state, … }`. On Node 20 a spread
 * copy of an object this size is an order of magnitude slower than the literal, and with the
 * one literal every state, whatever its role, shares one hidden class
 * (docs/performance/latency.md). A field that may hold `undefined` is taken from `changes`
 * whenever it is named there. The role and its own fields are given whole, by the functions
 * below, which are typed to keep them to what the role holds; TypeScript cannot follow `R`
 * from the arguments into the literal, hence the one cast.
 */
const build = <R extends Role>(
  state: RaftState,
  changes: Partial<ReplicaFields>,
  role: R,
  canvass: RoleFields[R]["canvass"],
  leaderState: RoleFields[R]["leaderState"]
): RaftState<R> =>
  ({
    config: changes.config ?? state.config,
    role,
    term: changes.term ?? state.term,
    votedFor: "votedFor" in changes ? changes.votedFor : state.votedFor,
    leader: changes.leader ?? state.leader,
    log: changes.log ?? state.log,
    commitIndex: changes.commitIndex ?? state.commitIndex,
    machine: changes.machine ?? state.machine,
    snapshot: changes.snapshot ?? state.snapshot,
    checkpoint: changes.checkpoint ?? state.checkpoint,
    incoming: "incoming" in changes ? changes.incoming : state.incoming,
    electionDeadline: changes.electionDeadline ?? state.electionDeadline,
    leaderContactAt: changes.leaderContactAt ?? state.leaderContactAt,
    votes: changes.votes ?? state.votes,
    canvass,
    leaderState,
    parked: changes.parked ?? state.parked,
    probe: "probe" in changes ? changes.probe : state.probe,
    undecided: changes.undecided ?? state.undecided,
    seen: changes.seen ?? state.seen
  }) as unknown as RaftState<R>

const UNCHANGED: Partial<ReplicaFields> = {}

/** `state` with `changes`, in the same role: its role's own fields go unchanged. */
export const stateWith = <S extends RaftState>(state: S, changes: Partial<ReplicaFields>): S =>
  build(state, changes, state.role, state.canvass, state.leaderState) as S

/** A (pre-)candidate's state with its canvass moved on, and `changes`. */
export const canvassWith = <S extends RaftState<"precandidate" | "candidate">>(
  state: S,
  canvass: Canvass,
  changes = UNCHANGED
): S => build(state, changes, state.role, canvass, undefined) as S

/** A leader's state with its view of the followers replaced. */
export const leaderStateWith = (state: RaftState<"leader">, leaderState: LeaderState): RaftState<"leader"> =>
  build(state, UNCHANGED, "leader", undefined, leaderState)

/*
 * The role changes, the only moves the types allow: an election timeout makes a follower, or a
 * (pre-)candidate whose round came to nothing, a pre-candidate; a pre-vote majority makes it a
 * candidate, a vote majority a leader; any role falls back to follower. Each sets what its
 * role holds and drops what the last one held.
 */

export const toFollower = (state: RaftState, changes: Partial<ReplicaFields>): RaftState<"follower"> =>
  build(state, changes, "follower", undefined, undefined)

export const toPrecandidate = (
  state: RaftState<"follower" | "precandidate" | "candidate">,
  canvass: Canvass,
  changes: Partial<ReplicaFields>
): RaftState<"precandidate"> => build(state, changes, "precandidate", canvass, undefined)

export const toCandidate = (state: RaftState<"precandidate">, canvass: Canvass, changes: Partial<ReplicaFields>): RaftState<"candidate"> =>
  build(state, changes, "candidate", canvass, undefined)

export const toLeader = (state: RaftState<"candidate">, leaderState: LeaderState, changes: Partial<ReplicaFields>): RaftState<"leader"> =>
  build(state, changes, "leader", undefined, leaderState)

/** `leader` with `changes`, built as `stateWith` builds a state. */
export const leaderWith = (leader: LeaderState, changes: Partial<LeaderState>): LeaderState => ({
  progress: changes.progress ?? leader.progress,
  termStart: changes.termStart ?? leader.termStart,
  electedAt: changes.electedAt ?? leader.electedAt,
  uncommittedSince: changes.uncommittedSince ?? leader.uncommittedSince,
  reads: changes.reads ?? leader.reads,
  held: changes.held ?? leader.held,
  delivery: changes.delivery ?? leader.delivery,
  roundTrip: changes.roundTrip ?? leader.roundTrip
})

const SEEN_MEMORY = 4096

export const initialState = (config: ClusterConfig, now: number, random: number): RaftState => {
  const machine = emptyStateMachine()
  return {
    config,
    role: "follower",
    term: 0,
    votedFor: undefined,
    leader: BROADCAST,
    log: emptyLog,
    commitIndex: 0,
    machine,
    snapshot: emptyImage,
    checkpoint: initialCheckpoint(machine),
    incoming: undefined,
    electionDeadline: electionDeadline(config.timing, now, random),
    leaderContactAt: Number.NEGATIVE_INFINITY,
    votes: new Set(),
    canvass: undefined,
    leaderState: undefined,
    parked: [],
    probe: undefined,
    undecided: [],
    seen: emptyRecent(SEEN_MEMORY)
  }
}

export const clusterSize = (state: RaftState): number => state.config.peers.length + 1
