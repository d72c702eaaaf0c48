/**
 * The harness core: SIMULATOR.md as a deterministic state machine, shared by the real back end
 * (processes over UDP, real time) and the virtual one (in-process replicas, virtual time).
 *
 * It does no I/O and reads no clock: the back end supplies every input with `now`, in
 * milliseconds since the start of the run (t = 0), and performs the returned effects in order.
 * All randomness comes from the seed, so the same seed and the same inputs give the same run.
 *
 *   const harness = new Harness(config, { seed, name?, replicas? })
 *   harness.onReplicaDatagram(now, from, text)  // `from`: the replica whose socket it arrived on
 *   harness.onTimer(now)                        // requests and events due at or before `now`
 *   harness.nextTimerAt()                       // when onTimer next has work; undefined once finished
 *   harness.onReplicaExit(replica, now)         // exited on its own, unless the harness killed it
 *   harness.hasSaidHello(replica)               // whether the back end may deliver to it
 *   harness.progress()                          // counters for a progress display
 *   harness.result(now)                         // RunResult: stats, checks, tiers, history, verdict, timeline, failover times
 *
 * onReplicaDatagram and onTimer return HarnessEffects: Deliver (text to a replica), Kill
 * (SIGTERM a replica) and, once, Finish. After Finish every input is ignored.
 */
import { checkHistory } from "../history/linearizability.ts"
import { BROADCAST, clientId, type NodeId, replicaId } from "../ids.ts"
import { correctnessChecks } from "./checks.ts"
import { Clients } from "./clients.ts"
import { type ChaosEvent, type Config, fractionLimits } from "./config.ts"
import { parseDatagram } from "./datagram.ts"
import type { HarnessEffect } from "./effects.ts"
import { summarizeLatency } from "./latency.ts"
import { Partition } from "./partition.ts"
import { RandomStream, streamSeed } from "./random.ts"
import { Recoveries } from "./recovery.ts"
import type { Metric, RunResult, RunStats } from "./result.ts"
import { Roster } from "./roster.ts"
import { Tally } from "./tally.ts"
import { timeline } from "./timeline.ts"
import { tierOf } from "./tiers.ts"
import { drawIntent } from "./workload.ts"

export const CLIENT_COUNT = 8
/** The timeline in a result is per minute: a soak run shows drift, a standard run is one window. */
const TIMELINE_WINDOW_MS = 60_000

export interface HarnessOptions {
  readonly seed: number
  /** Shown in reports; the config file's base name. */
  readonly name?: string
  /** Defaults to replicaId(0) … replicaId(N−1). */
  readonly replicas?: ReadonlyArray<NodeId>
}

export interface Progress {
  readonly requestsStarted: number
  readonly requestsCompleted: number
  readonly requestsTotal: number
  readonly totalMsgs: number
}

const NONE: ReadonlyArray<HarnessEffect> = []

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
  private readonly startMs: number
  private readonly requestGapMs: number
  private readonly endMs: number
  private readonly events: ReadonlyArray<ChaosEvent>
  private readonly recoveries: Recoveries
  private nextRequest = 0
  private nextEvent = 0
  private partition: Partition | undefined
  private finished: { readonly at: number; readonly by: "time" | "max_packets" } | undefined

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
    this.clients = new Clients(clientIds, this.roster, this.chaos, this.tally)
    this.startMs = config.start_wait * 1000
    this.requestGapMs = config.requests === 0 ? 0 : (config.lifetime * 1000) / config.requests
    this.endMs = (config.start_wait + config.lifetime + config.end_wait) * 1000
    // A stable sort keeps same-time events in file order.
    this.events = [...config.events].sort((a, b) => a.time - b.time)
    this.recoveries = new Recoveries(this.startMs)
  }

  onReplicaDatagram(now: number, from: NodeId, text: string): ReadonlyArray<HarnessEffect> {
    if (this.finished !== undefined) return NONE
    const sender = this.roster.indexOf(from)
    // A killed replica may get a last datagram out before SIGTERM lands; it is already gone.
    if (sender === undefined || !this.roster.isAlive(sender)) return NONE
    const parsed = parseDatagram(text)
    if (parsed._tag === "Invalid") {
      this.tally.countIncorrect(parsed.reason, now, from, text)
      return NONE
    }
    const datagram = parsed.datagram
    if (datagram.src !== from) {
      this.tally.countIncorrect("src-mismatch", now, from, text)
      return NONE
    }
    // A minority side may still believe in a deposed leader; only the majority side is listened to.
    const listened = this.partition === undefined || this.partition.inMajority(sender)
    if (listened) this.roster.observeLeader(datagram.leader, now)
    if (datagram.type === "hello") {
      this.roster.register(sender)
      return NONE
    }
    const out: Array<HarnessEffect> = []
    const target = this.roster.indexOf(datagram.dst)
    if (target !== undefined) {
      this.tally.totalMsgs++
      this.forward(sender, target, text, out)
    } else if (datagram.dst === BROADCAST) {
      this.tally.totalMsgs += this.roster.size - 1
      for (let i = 0; i < this.roster.size; i++) if (i !== sender) this.forward(sender, i, text, out)
    } else {
      const client = this.clients.indexOf(datagram.dst)
      const reason = client === undefined ? "unknown-dst" : this.clients.onResponse(client, datagram, now, out)
      if (reason !== undefined) this.tally.countIncorrect(reason, now, from, text)
      else if (datagram.type === "ok" && listened) this.recoveries.served(now, from)
    }
    if (this.tally.totalMsgs >= this.config.max_packets) this.finish(now, "max_packets", out)
    return out
  }

  onTimer(now: number): ReadonlyArray<HarnessEffect> {
    if (this.finished !== undefined) return NONE
    const out: Array<HarnessEffect> = []
    for (;;) {
      const eventAt = this.nextEventAt()
      const requestAt = this.nextRequestAt()
      const due = Math.min(eventAt, requestAt)
      if (due > now || due >= this.endMs) break
      // Events first on a tie: a request due at the moment of a kill goes to the new situation.
      if (eventAt <= requestAt) this.runEvent(this.events[this.nextEvent++] as ChaosEvent, now, out)
      else this.startRequest(now, out)
    }
    if (now >= this.endMs) this.finish(now, "time", out)
    return out
  }

  nextTimerAt(): number | undefined {
    if (this.finished !== undefined) return undefined
    return Math.min(this.nextEventAt(), this.nextRequestAt(), this.endMs)
  }

  onReplicaExit(replica: NodeId, _now: number): void {
    if (this.finished !== undefined) return
    const i = this.roster.indexOf(replica)
    if (i !== undefined && this.roster.isAlive(i)) this.roster.die(i)
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
    const linearizability = checkHistory(history)
    const checks = correctnessChecks(this.config, fractionLimits(this.config), stats, linearizability)
    const benchmarks = this.config.tests.benchmarks
    const metric = (name: Metric["name"], value: number | undefined): Metric => {
      const thresholds = benchmarks[name]
      return { name, value, thresholds, tier: tierOf(value, thresholds) }
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
      correct: checks.every((check) => check.passed),
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
    const unanswered = this.clients.unanswered()
    return {
      leaders: [...this.roster.leadersSeen],
      died: [...this.roster.died],
      killed: [...this.roster.killed],
      totalMsgs: tally.totalMsgs,
      droppedMsgs: tally.droppedMsgs,
      blockedMsgs: tally.blockedMsgs,
      requestsSent: tally.requestsSent,
      gets: {
        generated: tally.gets,
        ok: tally.gets - unanswered.gets,
        failed: tally.failedGets,
        unanswered: unanswered.gets,
        failedToGenerate: tally.failedGetGenerations
      },
      puts: { generated: tally.puts, ok: tally.puts - unanswered.puts, failed: tally.failedPuts, unanswered: unanswered.puts },
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

  /** One replica-to-replica copy: lost across a partition, to a random drop, or to a replica that cannot receive. */
  private forward(from: number, to: number, text: string, out: Array<HarnessEffect>): void {
    if (this.partition?.blocks(from, to) === true) {
      this.tally.blockedMsgs++
      return
    }
    if (this.config.drops > 0 && this.network.float() < this.config.drops) {
      this.tally.droppedMsgs++
      return
    }
    if (this.roster.canReceive(to)) out.push({ _tag: "Deliver", from: this.roster.ids[from] as NodeId, to: this.roster.ids[to] as NodeId, datagram: text })
  }

  private nextEventAt(): number {
    const event = this.events[this.nextEvent]
    return event === undefined ? Infinity : this.startMs + event.time * 1000
  }

  private nextRequestAt(): number {
    return this.nextRequest >= this.config.requests ? Infinity : this.startMs + this.nextRequest * this.requestGapMs
  }

  private startRequest(now: number, out: Array<HarnessEffect>): void {
    this.nextRequest++
    const client = this.workload.int(this.clients.size)
    const intent = drawIntent(this.workload, this.clients.ownKeys(client), this.config.mix, this.config.keys_per_client)
    this.clients.start(client, intent, now, out)
  }

  private runEvent(event: ChaosEvent, now: number, out: Array<HarnessEffect>): void {
    const leader = this.roster.indexOf(this.roster.leader)
    switch (event.type) {
      case "kill_leader": {
        if (leader !== undefined && this.roster.isAlive(leader)) {
          this.kill(leader, out)
          this.recoveries.disrupted(event.type, now)
        }
        this.roster.observeLeader(BROADCAST, now)
        this.clients.forgetLeaders()
        return
      }
      case "kill_non_leader": {
        const candidates = this.roster.living().filter((id) => id !== this.roster.leader)
        const victim = this.chaos.pick(candidates)
        if (victim !== undefined) this.kill(this.roster.indexOf(victim) as number, out)
        return
      }
      case "part_easy": {
        this.partition = Partition.random(this.roster.size, this.chaos, leader)
        return
      }
      case "part_hard": {
        this.partition = Partition.random(this.roster.size, this.chaos)
        this.clients.forgetLeaders()
        this.recoveries.disrupted(event.type, now)
        return
      }
      case "part_end": {
        this.partition = undefined
        return
      }
    }
  }

  private kill(replica: number, out: Array<HarnessEffect>): void {
    this.roster.kill(replica)
    out.push({ _tag: "Kill", replica: this.roster.ids[replica] as NodeId })
  }

  private finish(now: number, by: "time" | "max_packets", out: Array<HarnessEffect>): void {
    this.finished = { at: now, by }
    out.push({ _tag: "Finish" })
  }
}
