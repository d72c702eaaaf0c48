/**
 * The harness core: the course's reference simulator (docs/calibration.md) as a deterministic
 * state machine, shared by the real back end (processes over UDP, real time) and the virtual
 * one (in-process replicas, virtual time).
 *
 * It does no I/O and reads no clock: the back end supplies every input with `now`, in
 * milliseconds since the start of the run (t = 0), and performs the returned commands in order.
 * All randomness comes from the seed, so the same seed and the same inputs give the same run.
 *
 *   const harness = new Harness(config, { seed, name?, replicas?, trace? })
 *   harness.onReplicaDatagram(now, from, text)  // `from`: the replica whose socket it arrived on
 *   harness.onTimer(now)                        // the loop's idle wake-up; a no-op before nextTimerAt
 *   harness.nextTimerAt()                       // when the loop next wakes with no datagram; undefined once finished
 *   harness.onReplicaExit(replica, now, how)    // exited on its own, unless the harness killed it; Finish once none is left
 *   harness.hasSaidHello(replica)               // whether the back end may deliver to it
 *   harness.progress()                          // counters for a progress display
 *   harness.result(now)                         // RunResult: stats, checks, tiers, history, verdict, timeline, failover times
 *
 * onReplicaDatagram, onTimer and onReplicaExit return HarnessCommands: Deliver (text to a replica), Kill
 * (SIGTERM a replica) and, once, Finish. After Finish every input is ignored.
 *
 * Time moves as in the reference's loop: it sleeps in select() until a datagram arrives or
 * RECV_WAIT_MS pass, and only then fires every request and event due, back to back. So a
 * request and a kill due within one sleep fire together, and a request sent to the leader
 * just before its kill is never answered.
 */
import { checkHistory } from "../history/linearizability.ts"
import { BROADCAST, clientId, type NodeId, replicaId } from "../ids.ts"
import { correctnessChecks } from "./checks.ts"
import { Clients } from "./clients.ts"
import { type ChaosEvent, type Config, fractionLimits } from "./config.ts"
import { parseDatagram } from "./datagram.ts"
import type { HarnessCommand } from "./commands.ts"
import { summarizeLatency } from "./latency.ts"
import { Partition } from "./partition.ts"
import { RandomStream, streamSeed } from "../randomStream.ts"
import { Recoveries } from "./recovery.ts"
import type { EndedBy, Metric, RunResult, RunStats, Verdict } from "./result.ts"
import { Roster } from "./roster.ts"
import { Tally } from "./tally.ts"
import { timeline } from "./timeline.ts"
import { runStatus } from "./status.ts"
import { tierOf } from "./tiers.ts"
import type { Fate, Trace } from "./trace.ts"
import { drawIntent } from "./workload.ts"

export const CLIENT_COUNT = 8
/** The reference's select() timeout, in ms: how long its loop sleeps when no datagram comes. */
export const RECV_WAIT_MS = 100
/** The timeline in a result is per minute: a soak run shows drift, a standard run is one window. */
const TIMELINE_WINDOW_MS = 60_000

export interface HarnessOptions {
  readonly seed: number
  /** Shown in reports; the config file's base name. */
  readonly name?: string
  /** Defaults to replicaId(0) … replicaId(N−1). */
  readonly replicas?: ReadonlyArray<NodeId>
  /** Where to record every datagram and event (`kvsim --out`); nothing is recorded without it. */
  readonly trace?: Trace
}

export interface Progress {
  readonly requestsStarted: number
  readonly requestsCompleted: number
  readonly requestsTotal: number
  readonly totalMsgs: number
}

const NONE: ReadonlyArray<HarnessCommand> = []

/** A datagram's `type`, for the trace only; the harness's own requests are always well formed. */
const typeOf = (text: string): string => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" ? value.type : "?"
  } catch {
    return "?"
  }
}

export class Harness {
  readonly name: string
  readonly seed: number
  private readonly config: Config
  private readonly roster: Roster
  private readonly clients: Clients
  private readonly tally = new Tally()
  private readonly workload: RandomStream
  private readonly network: RandomStream
  private readonly chaos: RandomStream
  private lastWake = 0
  /** The time of the input being handled, for the trace. */
  private now = 0
  private readonly trace: Trace | undefined
  private readonly startMs: number
  private readonly requestGapMs: number
  private readonly endMs: number
  private readonly events: ReadonlyArray<ChaosEvent>
  private readonly recoveries: Recoveries
  private nextRequest = 0
  private nextEvent = 0
  private partition: Partition | undefined
  private finished: { readonly at: number; readonly by: EndedBy } | undefined

  constructor(config: Config, options: HarnessOptions) {
    const replicas = options.replicas ?? Array.from({ length: config.replicas }, (_, i) => replicaId(i))
    if (replicas.length !== config.replicas) {
      throw new RangeError(`${replicas.length} replica ids for a config of ${config.replicas} replicas`)
    }
    this.config = config
    this.name = options.name ?? "run"
    this.seed = options.seed
    this.workload = new RandomStream(streamSeed(options.seed, 0))
    this.network = new RandomStream(streamSeed(options.seed, 1))
    this.chaos = new RandomStream(streamSeed(options.seed, 2))
    this.roster = new Roster(replicas)
    const clientIds = Array.from({ length: CLIENT_COUNT }, (_, i) => clientId(config.replicas, i))
    const mids = new RandomStream(streamSeed(options.seed, 3))
    this.clients = new Clients(clientIds, this.roster, this.chaos, mids, this.tally, (from, to, text, out) => this.deliver(from, to, text, out))
    this.startMs = config.start_wait * 1000
    this.requestGapMs = config.requests === 0 ? 0 : (config.lifetime * 1000) / config.requests
    this.endMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
    // A stable sort keeps same-time events in file order, as the reference's insort does.
    this.events = [...config.events].sort((a, b) => a.time - b.time)
    this.recoveries = new Recoveries(this.startMs)
    this.trace = options.trace
  }

  onReplicaDatagram(now: number, from: NodeId, text: string): ReadonlyArray<HarnessCommand> {
    if (this.finished !== undefined) return NONE
    const socket = this.roster.indexOf(from)
    // A killed replica's socket is closed before it is signalled: nothing it sends after arrives.
    if (socket === undefined || !this.roster.isOpen(socket)) return NONE
    this.now = now
    const out: Array<HarnessCommand> = []
    this.route(socket, text, now, out)
    // The reference fires what is due before its loop looks at the packet count again.
    this.wake(now, out)
    if (this.finished === undefined && this.tally.totalMsgs >= this.config.max_packets) this.finish(now, "max_packets", out)
    return out
  }

  onTimer(now: number): ReadonlyArray<HarnessCommand> {
    if (this.finished !== undefined || now < this.lastWake + RECV_WAIT_MS) return NONE
    this.now = now
    const out: Array<HarnessCommand> = []
    this.wake(now, out)
    return out
  }

  nextTimerAt(): number | undefined {
    if (this.finished !== undefined) return undefined
    return this.lastWake + RECV_WAIT_MS
  }

  /**
   * Once no replica process is left, the run ends: a student waiting out the rest of a run whose
   * replicas are all gone learns nothing more.
   */
  onReplicaExit(replica: NodeId, now: number, how: string): ReadonlyArray<HarnessCommand> {
    if (this.finished !== undefined) return NONE
    const i = this.roster.indexOf(replica)
    if (i === undefined) return NONE
    const exits = this.roster.exits.length
    this.roster.exited(i, now, how)
    if (this.roster.exits.length === exits) return NONE
    this.trace?.event({ atMs: now, kind: "exit", replica, how })
    if (!this.roster.noneRunning) return NONE
    // The reference never notices: it goes on making requests to the end of the run, and none
    // is answered. Its idle wake-ups are played out here at once, so the counts and the verdict
    // are the reference's, and the run ends now instead of waiting for them.
    for (let at = this.lastWake + RECV_WAIT_MS; this.finished === undefined; at += RECV_WAIT_MS) {
      this.now = at
      this.wake(at, [])
    }
    this.finished = { at: now, by: "every replica exited" }
    return [{ _tag: "Finish" }]
  }

  hasSaidHello(replica: NodeId): boolean {
    const i = this.roster.indexOf(replica)
    return i !== undefined && this.roster.isRegistered(i)
  }

  get isFinished(): boolean {
    return this.finished !== undefined
  }

  /** The leader the harness believes in (BROADCAST when unknown). */
  get leader(): NodeId {
    return this.roster.leader
  }

  progress(): Progress {
    return {
      requestsStarted: this.clients.started,
      requestsCompleted: this.clients.completed,
      requestsTotal: this.config.requests,
      totalMsgs: this.tally.totalMsgs
    }
  }

  result(now: number): RunResult {
    const stats = this.stats()
    const history = this.clients.history()
    // With nothing answered there is nothing to check: an empty history proves no order.
    const linearizability: Verdict = history.some((op) => op.outcome._tag === "Ok")
      ? checkHistory(history)
      : { _tag: "Inconclusive", key: "", reason: "no operation was answered" }
    const checks = correctnessChecks(this.config, fractionLimits(this.config), stats, linearizability)
    // As in the reference, a run that failed correctness is given no performance tiers.
    const correct = checks.every((check) => check.passed)
    const benchmarks = this.config.tests.benchmarks
    const metric = (name: Metric["name"], value: number | undefined): Metric => {
      const thresholds = benchmarks[name]
      return { name, value, thresholds, tier: correct ? tierOf(value, thresholds) : undefined }
    }
    const performance = [
      metric("total_msgs", stats.totalMsgs),
      metric("failures", stats.failures),
      metric("duplicates", stats.duplicates),
      metric("median_latency", stats.latency === undefined ? undefined : stats.latency.medianMs / 1000)
    ]
    return {
      name: this.name,
      seed: this.seed,
      endedBy: this.finished?.by ?? "time",
      durationMs: this.finished?.at ?? now,
      stats,
      linearizability,
      checks,
      correct,
      status: runStatus(correct, linearizability),
      performance,
      history,
      timeline: timeline(
        history,
        this.roster.leaderChanges,
        { requestsFromMs: this.startMs, requestsToMs: this.startMs + this.config.lifetime * 1000, endMs: this.endMs },
        TIMELINE_WINDOW_MS
      )
    }
  }

  private stats(): RunStats {
    const tally = this.tally
    const waiting = this.clients.unansweredRequests()
    const unanswered = {
      gets: waiting.filter((request) => request.kind === "get").length,
      puts: waiting.filter((request) => request.kind === "put").length
    }
    return {
      leaders: [...this.roster.leadersSeen],
      died: [...this.roster.died],
      killed: [...this.roster.killed],
      exits: [...this.roster.exits],
      totalMsgs: tally.totalMsgs,
      droppedMsgs: tally.droppedMsgs,
      blockedMsgs: tally.blockedMsgs,
      requestsSent: tally.requestsSent,
      gets: {
        generated: tally.gets,
        ok: this.clients.completedOf("get"),
        failed: tally.failedGets,
        unanswered: unanswered.gets,
        failedToGenerate: tally.failedGetGenerations
      },
      puts: { generated: tally.puts, ok: this.clients.completedOf("put"), failed: tally.failedPuts, unanswered: unanswered.puts },
      unanswered: waiting.map((request) => ({ ...request, sentAtMs: request.sentAtMs - this.startMs })),
      keysStored: this.clients.keysStored(),
      duplicates: tally.duplicates,
      redirects: tally.redirects,
      failures: tally.failedGets + tally.failedPuts + unanswered.gets + unanswered.puts,
      incorrect: tally.incorrect,
      incorrectByReason: [...tally.incorrectByReason].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, count]) => ({
        reason,
        count
      })),
      incorrectExamples: [...tally.incorrectExamples],
      latency: summarizeLatency(tally.latenciesMs),
      latencyByKind: { get: summarizeLatency(tally.latenciesByKindMs.get), put: summarizeLatency(tally.latenciesByKindMs.put) },
      recoveries: this.recoveries.all()
    }
  }

  /** The reference's `__route_msgs__` for one datagram that arrived on `socket`'s harness socket. */
  private route(socket: number, text: string, now: number, out: Array<HarnessCommand>): void {
    const from = this.roster.ids[socket] as NodeId
    const parsed = parseDatagram(text)
    if (parsed._tag === "Invalid") {
      this.tally.countIncorrect(parsed.reason, now, from, text)
      this.trace?.message(now, from, "", typeOf(text), text, "invalid")
      return
    }
    const datagram = parsed.datagram
    if (datagram.type === "hello") {
      this.roster.register(socket)
      this.trace?.message(now, from, datagram.dst, "hello", text, "received")
      return
    }
    // Routing goes by the datagram's own `src`, as in the reference; a replica that lies
    // about it is only noted.
    if (datagram.src !== from) this.tally.srcMismatches++
    const src = this.roster.indexOf(datagram.src)
    // A minority side may still believe in a deposed leader; only the majority side is listened to.
    const listened = this.partition === undefined || (src !== undefined && this.partition.inMajority(src))
    if (listened) this.observeLeader(datagram.leader, now)
    const target = this.roster.indexOf(datagram.dst)
    if (target !== undefined) {
      this.tally.totalMsgs++
      this.forward(from, src, target, text, datagram.type, out)
    } else if (datagram.dst === BROADCAST) {
      this.tally.totalMsgs += this.roster.size - 1
      for (let i = 0; i < this.roster.size; i++) if (i !== src) this.forward(from, src, i, text, datagram.type, out)
    } else {
      const client = this.clients.indexOf(datagram.dst)
      const reason = client === undefined ? "unknown-dst" : this.clients.onResponse(client, datagram, now, out)
      this.trace?.message(now, from, datagram.dst, datagram.type, text, reason === undefined ? "delivered" : "invalid")
      if (reason !== undefined) this.tally.countIncorrect(reason, now, from, text)
      else if (datagram.type === "ok" && listened) this.recoveries.served(now, from)
    }
  }

  private observeLeader(leader: NodeId, now: number): void {
    if (this.trace !== undefined && leader !== this.roster.leader) {
      this.trace.event({ atMs: now, kind: "leader", leader: leader === BROADCAST ? null : leader })
    }
    this.roster.observeLeader(leader, now)
  }

  /** One replica-to-replica copy, sent on `sender`'s socket by `src`: lost across a partition or to a random drop. */
  private forward(sender: NodeId, src: number | undefined, to: number, text: string, type: string, out: Array<HarnessCommand>): void {
    const dst = this.roster.ids[to] as NodeId
    if (this.partition?.separates(src, to) === true) {
      this.tally.blockedMsgs++
      this.trace?.message(this.now, sender, dst, type, text, "blocked")
      return
    }
    if (this.config.drops > 0 && this.network.float() < this.config.drops) {
      this.tally.droppedMsgs++
      this.trace?.message(this.now, sender, dst, type, text, "dropped")
      return
    }
    this.deliver(sender, dst, text, out, type)
  }

  /**
   * The reference's `__replica_deliver__`: nothing reaches a killed replica, and one that has
   * not said hello has no address, so the reference takes it for dead (the "died" check).
   */
  private deliver(from: NodeId, to: NodeId, text: string, out: Array<HarnessCommand>, type?: string): boolean {
    const i = this.roster.indexOf(to) as number
    const delivered = this.roster.canReceive(i)
    if (this.trace !== undefined) {
      const fate: Fate = delivered ? "delivered" : "undeliverable"
      this.trace.message(this.now, from, to, type ?? typeOf(text), text, fate)
    }
    if (delivered) {
      out.push({ _tag: "Deliver", from, to, datagram: text })
      return true
    }
    if (this.roster.isOpen(i)) {
      this.roster.giveUp(i)
      this.trace?.event({ atMs: this.now, kind: "died", replica: to })
    }
    return false
  }

  /**
   * The loop woke: fire every request and event due before `now`, in time order, a request
   * before an event due at the same instant (the reference inserts events after equal
   * times). The run ends at the first wake past its end, or once no replica is living.
   */
  private wake(now: number, out: Array<HarnessCommand>): void {
    this.lastWake = now
    for (;;) {
      const eventAt = this.nextEventAt()
      const requestAt = this.nextRequestAt()
      const due = Math.min(eventAt, requestAt)
      if (due >= now || due >= this.endMs) break
      if (requestAt <= eventAt) this.startRequest(now, out)
      else this.runEvent(this.events[this.nextEvent++] as ChaosEvent, now, out)
    }
    if (now >= this.endMs) this.finish(now, "time", out)
    else if (!this.roster.anyLiving) this.finish(now, "no living replica", out)
  }

  private nextEventAt(): number {
    const event = this.events[this.nextEvent]
    return event === undefined ? Infinity : this.startMs + event.time * 1000
  }

  private nextRequestAt(): number {
    return this.nextRequest >= this.config.requests ? Infinity : this.startMs + this.nextRequest * this.requestGapMs
  }

  private startRequest(now: number, out: Array<HarnessCommand>): void {
    this.nextRequest++
    const client = this.workload.int(this.clients.size)
    const intent = drawIntent(
      this.workload,
      this.clients.acknowledged(client),
      this.clients.ownKeys(client),
      this.config.mix,
      this.config.keys_per_client,
      this.config.max_value_bytes
    )
    this.clients.start(client, intent, now, out)
  }

  private runEvent(event: ChaosEvent, now: number, out: Array<HarnessCommand>): void {
    const leader = this.roster.indexOf(this.roster.leader)
    switch (event.type) {
      case "kill_leader": {
        // With no leader believed in, the reference does nothing at all.
        if (this.roster.leader === BROADCAST) return
        if (leader !== undefined && this.kill(leader, now, out)) this.recoveries.disrupted(event.type, now)
        this.forgetLeader(now)
        return
      }
      case "kill_non_leader": {
        const living = this.roster.living()
        if (living.length <= 1) return
        const victim = this.chaos.pick(living.filter((id) => id !== this.roster.leader))
        if (victim !== undefined) this.kill(this.roster.indexOf(victim) as number, now, out)
        return
      }
      case "part_easy": {
        // An easy partition keeps the believed leader on the majority side; with none believed
        // in it is a hard one.
        if (this.roster.leader === BROADCAST || leader === undefined) this.forgetLeader(now)
        this.partition = Partition.random(this.roster.size, this.chaos, this.roster.leader === BROADCAST ? undefined : leader)
        this.tracePartition(now, false)
        return
      }
      case "part_hard": {
        this.forgetLeader(now)
        this.partition = Partition.random(this.roster.size, this.chaos)
        this.recoveries.disrupted(event.type, now)
        this.tracePartition(now, true)
        return
      }
      case "part_end": {
        this.partition = undefined
        this.trace?.event({ atMs: now, kind: "heal" })
        return
      }
    }
  }

  private tracePartition(now: number, hard: boolean): void {
    const partition = this.partition
    if (this.trace === undefined || partition === undefined) return
    const ids = this.roster.ids
    this.trace.event({
      atMs: now,
      kind: "partition",
      hard,
      majority: ids.filter((_, i) => partition.inMajority(i)),
      minority: ids.filter((_, i) => !partition.inMajority(i))
    })
  }

  private forgetLeader(now: number): void {
    this.observeLeader(BROADCAST, now)
    this.clients.forgetLeaders()
  }

  private kill(replica: number, now: number, out: Array<HarnessCommand>): boolean {
    if (!this.roster.kill(replica, now)) return false
    const id = this.roster.ids[replica] as NodeId
    out.push({ _tag: "Kill", replica: id })
    this.trace?.event({ atMs: now, kind: "kill", replica: id })
    return true
  }

  private finish(now: number, by: EndedBy, out: Array<HarnessCommand>): void {
    this.finished = { at: now, by }
    out.push({ _tag: "Finish" })
  }
}
