import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import { Either } from "effect"
import { replicaId, type NodeId } from "../../domain/ids.ts"
import type { RaftState } from "../../domain/raft/state.ts"
import { initialState } from "../../domain/raft/state.ts"
import { step } from "../../domain/raft/step.ts"
import { defaultTiming } from "../../domain/raft/timing.ts"
import { decodeDatagram, encodeMessage } from "../../domain/wire/decode.ts"
import { readCommandLine } from "../commandLine/readCommandLine.ts"
import { argsOrExit } from "../commandLine/reply.ts"

/**
 * `npm run microbench`: the replica's own cost per datagram, with the network taken away:
 * bytes in → decode → step → encode every output, in a tight loop on one core, for the
 * datagrams that make up the harness's traffic. Only that is timed: the bench writing its
 * datagrams is not the replica's work. It is the warm-cache cost; under the harness a
 * replica handles one datagram every few milliseconds and pays cache misses on top (docs/performance/latency.md).
 */
const microbenchCommand = CommandDescriptor.make("microbench").pipe(
  CommandDescriptor.withDescription("The replica's decode + step + encode cost per datagram, as a Markdown table on stdout. It takes no options.")
)
await argsOrExit("microbench", readCommandLine(microbenchCommand, process.argv.slice(2), "", Either.right))

const ids = [0, 1, 2, 3, 4].map(replicaId)
const [self, n1, n2] = ids as [NodeId, NodeId, NodeId]
const client = "0015"
const encoder = new TextEncoder()
const value = "v".repeat(32)
let now = 0
/** Milliseconds spent inside `handle`'s replica part since the last `measure` began. */
let handling = 0

/** One datagram through the replica, as the shell does it; returns the datagrams it sends. */
const handle = (state: RaftState, message: object): { readonly state: RaftState; readonly sent: ReadonlyArray<string> } => {
  const bytes = encoder.encode(JSON.stringify(message))
  const start = performance.now()
  const decoded = decodeDatagram(bytes)
  if (decoded._tag === "Left") throw new Error(`microbench sent an invalid datagram: ${decoded.left.detail}`)
  const result = step(state, { _tag: "Message", message: decoded.right }, { now, random: 0.5 })
  const sent: Array<string> = []
  for (const output of result.outputs) if (output._tag === "Send") sent.push(encodeMessage(output.message))
  handling += performance.now() - start
  return { state: result.state, sent }
}

const timeout = (state: RaftState): RaftState => step(state, { _tag: "Timeout" }, { now, random: 0.5 }).state

const envelope = (src: string, dst: string, leader: string) => ({ src, dst, leader })

/** A leader elected by n1 and n2, its no-op acknowledged so reads are served under its lease. */
const electedLeader = (): RaftState => {
  let state = initialState({ self, peers: ids.slice(1), timing: defaultTiming }, now, 0)
  now += defaultTiming.electionMax
  state = timeout(state)
  for (const voter of [n1, n2]) state = handle(state, { ...envelope(voter, self, "FFFF"), type: "voted", term: 1, granted: true, pre: true }).state
  for (const voter of [n1, n2]) state = handle(state, { ...envelope(voter, self, "FFFF"), type: "voted", term: 1, granted: true, pre: false }).state
  for (const voter of [n1, n2]) state = handle(state, appended(voter, state, 1)).state
  if (state.role !== "leader" || state.commitIndex !== 1) throw new Error("microbench could not elect a leader")
  return state
}

const appended = (from: NodeId, state: RaftState, match: number) => ({
  ...envelope(from, self, self),
  type: "appended",
  term: state.term,
  at: now,
  success: true,
  match,
  conflictIndex: 0,
  conflictTerm: 0
})

interface Measured {
  readonly name: string
  readonly datagrams: number
  readonly seconds: number
}

const measure = (name: string, operations: number, perOperation: number, run: (i: number) => void): Measured => {
  for (let i = 0; i < Math.min(operations, 2_000); i++) run(i)
  handling = 0
  for (let i = 0; i < operations; i++) run(operations + i)
  return { name, datagrams: operations * perOperation, seconds: handling / 1000 }
}

const OPERATIONS = 50_000
const results: Array<Measured> = []

{
  let leader = electedLeader()
  results.push(
    measure("get at the leader (lease read)", OPERATIONS, 1, (i) => {
      now += 0.001
      leader = handle(leader, { ...envelope(client, self, self), type: "get", MID: `g${i}`, key: `k${i % 100}` }).state
    })
  )
}
{
  let leader = electedLeader()
  results.push(
    measure("put at the leader, with its two acknowledgements", OPERATIONS, 3, (i) => {
      now += 0.01
      leader = handle(leader, { ...envelope(client, self, self), type: "put", MID: `p${i}`, key: `k${i % 100}`, value }).state
      const index = leader.log.base + leader.log.entries.length
      leader = handle(leader, appended(n1, leader, index)).state
      leader = handle(leader, appended(n2, leader, index)).state
    })
  )
}
{
  let follower = initialState({ self: n1, peers: ids.filter((id) => id !== n1), timing: defaultTiming }, now, 0)
  results.push(
    measure("append of one entry at a follower", OPERATIONS, 1, (i) => {
      now += 0.01
      const index = follower.log.base + follower.log.entries.length
      follower = handle(follower, {
        ...envelope(self, n1, self),
        type: "append",
        term: 1,
        prevIndex: index,
        prevTerm: index === 0 ? 0 : 1,
        entries: [{ t: 1, k: `k${i % 100}`, v: value, c: client, m: `p${i}` }],
        commit: index,
        at: now,
        ack: true
      }).state
    })
  )
}

const lines = [
  "| datagram | datagrams/s | µs per datagram |",
  "|---|---|---|",
  ...results.map(
    ({ name, datagrams, seconds }) =>
      `| ${name} | ${Math.round(datagrams / seconds).toLocaleString("en-US")} | ${((seconds * 1e6) / datagrams).toFixed(2)} |`
  )
]
process.stdout.write(`${lines.join("\n")}\n`)
