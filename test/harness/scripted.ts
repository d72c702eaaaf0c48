/**
 * Drives the harness core with replicas written as plain functions: no processes, no sockets,
 * no clock. Every datagram is delivered at the instant it is sent, so a run is a deterministic
 * function of its config, seed and scripts.
 *
 * Time advances only through the core's idle wake-ups (nextTimerAt, every RECV_WAIT_MS = 100 ms
 * here), so requests and events fire at the first multiple of 100 ms after they are due, and
 * the replies they cause are routed at that same instant, after everything that wake-up fired.
 */
import type { Config } from "../../src/domain/harness/config.ts"
import type { HarnessCommand } from "../../src/domain/harness/commands.ts"
import { Harness } from "../../src/domain/harness/harness.ts"
import type { RunResult } from "../../src/domain/harness/result.ts"
import { BROADCAST, type NodeId, replicaId } from "../../src/domain/ids.ts"

export type Message = Readonly<Record<string, unknown>>

/** A replica's reaction to one datagram: the datagrams it sends back, complete with src/dst/leader. */
export type Script = (self: NodeId, message: Message) => ReadonlyArray<Message>

export const testConfig = (overrides: Partial<Config> = {}): Config => ({
  lifetime: 10,
  replicas: 5,
  requests: 100,
  mix: 0.5,
  drops: 0,
  start_wait: 1,
  end_wait: 1,
  max_packets: 20_000,
  events: [],
  tests: {
    benchmarks: {
      total_msgs: [100, 200, 300],
      failures: [1, 2, 3],
      duplicates: [1, 2, 3],
      median_latency: [0.001, 0.002, 0.003]
    }
  },
  ...overrides
})

export const ids = (n: number): ReadonlyArray<NodeId> => Array.from({ length: n }, (_, i) => replicaId(i))

export const hello = (id: NodeId): string => JSON.stringify({ src: id, dst: BROADCAST, leader: BROADCAST, type: "hello" })

/**
 * A well-behaved stand-in cluster: `leader` serves gets and puts from a map and announces each
 * put with a broadcast the others acknowledge; the others redirect clients to it.
 */
export const leaderScript = (leader: NodeId): Script => {
  const data = new Map<string, string>()
  return (self, m) => {
    const envelope = { src: self, leader }
    if (m["type"] === "get" || m["type"] === "put") {
      const client = m["src"]
      if (self !== leader) return [{ ...envelope, dst: client, type: "redirect", MID: m["MID"] }]
      if (m["type"] === "get") return [{ ...envelope, dst: client, type: "ok", MID: m["MID"], value: data.get(String(m["key"])) ?? "" }]
      data.set(String(m["key"]), String(m["value"]))
      return [{ ...envelope, dst: BROADCAST, type: "append" }, { ...envelope, dst: client, type: "ok", MID: m["MID"] }]
    }
    if (m["type"] === "append") return [{ ...envelope, dst: m["src"], type: "ack" }]
    return []
  }
}

export interface Driver {
  readonly harness: Harness
  /** Every request the clients sent, as the replicas received it. */
  readonly requests: Array<{ readonly at: number; readonly to: NodeId; readonly message: Message }>
  readonly killed: Array<NodeId>
  /** Feeds a replica's datagram to the harness now and delivers everything that follows. */
  readonly send: (from: NodeId, datagram: string) => ReadonlyArray<HarnessCommand>
  /**
   * Runs the loop's idle wake-ups (and the traffic they cause) up to `until`, or to the end of
   * the run; `now` is `until` afterwards, so a `send` then wakes the loop at `until`.
   */
  readonly runUntil: (until?: number) => void
  readonly now: () => number
  readonly result: () => RunResult
}

/** A guard against scripts that answer each other forever at zero latency. */
const MAX_DATAGRAMS_PER_STEP = 100_000

export const drive = (
  config: Config,
  seed: number,
  script: Script,
  options: { readonly helloFrom?: ReadonlyArray<NodeId> } = {}
): Driver => {
  const harness = new Harness(config, { seed, name: "scripted" })
  const requests: Array<{ at: number; to: NodeId; message: Message }> = []
  const killed: Array<NodeId> = []
  const dead = new Set<NodeId>()
  let now = 0
  const pending: Array<readonly [NodeId, string]> = []

  const perform = (commands: ReadonlyArray<HarnessCommand>) => {
    for (const command of commands) {
      if (command._tag === "Kill") {
        killed.push(command.replica)
        dead.add(command.replica)
      } else if (command._tag === "Deliver" && !dead.has(command.to)) {
        const message = JSON.parse(command.datagram) as Message
        if (message["type"] === "get" || message["type"] === "put") requests.push({ at: now, to: command.to, message })
        for (const out of script(command.to, message)) pending.push([command.to, JSON.stringify(out)])
      }
    }
  }
  const pump = () => {
    for (let n = 0; pending.length > 0; n++) {
      if (n > MAX_DATAGRAMS_PER_STEP) throw new Error("scripted replicas never went quiet")
      const [from, text] = pending.shift() as readonly [NodeId, string]
      perform(harness.onReplicaDatagram(now, from, text))
    }
  }
  const send = (from: NodeId, datagram: string) => {
    const commands = harness.onReplicaDatagram(now, from, datagram)
    perform(commands)
    pump()
    return commands
  }

  for (const id of options.helloFrom ?? ids(config.replicas)) send(id, hello(id))

  return {
    harness,
    requests,
    killed,
    send,
    runUntil: (until = Infinity) => {
      for (;;) {
        const at = harness.nextTimerAt()
        if (at === undefined || at > until) break
        now = at
        perform(harness.onTimer(now))
        pump()
      }
      if (until !== Infinity && until > now) now = until
    },
    now: () => now,
    result: () => harness.result(now)
  }
}
