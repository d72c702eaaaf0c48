/**
 * A forged snapshot that replaces a follower's state machine with contents contradicting what
 * is committed is caught by the invariant checker at the very step that installs it: the
 * follower's state machine no longer matches the leader's at the same applied index. Once
 * through the replica's own defence (a wrong value, which it cannot tell from a right one), and
 * once around it (a lost key, which it refuses; the installed state is built directly).
 */
import { describe, expect, it } from "vitest"
import { BROADCAST, type NodeId } from "../../src/domain/ids.ts"
import { RaftInvariants } from "../../src/domain/raft/invariants/invariants.ts"
import type { Violation } from "../../src/domain/raft/invariants/violation.ts"
import { compactTo, termAt } from "../../src/domain/raft/log/log.ts"
import { addChunk, imageOf, startIncoming } from "../../src/domain/raft/log/snapshot.ts"
import { read } from "../../src/domain/raft/log/stateMachine.ts"
import type { Output } from "../../src/domain/raft/outputs.ts"
import { stateWith, type RaftState } from "../../src/domain/raft/state.ts"
import type { Install } from "../../src/domain/wire/messages.ts"
import { install, N0, node, put, REPLICAS, sent, type TestNode } from "./builders.ts"

/** Five replicas as test nodes, every datagram among them delivered in order, the checker watching every step. */
class Cluster {
  readonly nodes = new Map<NodeId, TestNode>(REPLICAS.map((id) => [id, node(id)]))
  readonly checker = new RaftInvariants()
  readonly found: Array<Violation> = []

  at(id: NodeId): TestNode {
    return this.nodes.get(id) as TestNode
  }

  states(): ReadonlyMap<NodeId, RaftState> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.state]))
  }

  /** What the checker finds after `act` runs one step at `id`, and then everything that step sent. */
  step(id: NodeId, act: (n: TestNode) => ReadonlyArray<Output>): ReadonlyArray<Violation> {
    const queue = sent(act(this.at(id))).map((message) => [id, message] as const)
    const first = this.checker.observe(this.states())
    this.found.push(...first)
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [from, message] = next
      for (const [to, n] of this.nodes) {
        if (to === from || (message.dst !== to && message.dst !== BROADCAST)) continue
        for (const reply of sent(n.receive(message, this.at(from).now))) queue.push([to, reply])
        this.found.push(...this.checker.observe(this.states()))
      }
    }
    return first
  }
}

/** N0 elected, three puts committed; returns a follower that has not yet learnt of the last commit. */
const settle = (cluster: Cluster): NodeId => {
  cluster.step(N0, (n) => n.electionTimeout())
  for (const [i, value] of ["1", "2", "3"].entries()) cluster.step(N0, (n) => n.receive(put({ MID: `m${i}`, key: `k${i}`, value, leader: N0 }), n.now + 1))
  const leader = cluster.at(N0).state
  expect(leader).toMatchObject({ role: "leader", commitIndex: 4 })
  expect(cluster.found).toEqual([])
  const lagging = [...cluster.nodes.values()].find((n) => n.self !== N0 && n.state.commitIndex < leader.commitIndex)
  expect(lagging).toBeDefined()
  return (lagging as TestNode).self
}

/** A snapshot the leader could have sent, through its commit index, with its pairs changed by `bend`. */
const snapshotFrom = (leader: RaftState, follower: NodeId, bend: (pairs: ReadonlyArray<readonly [string, string]>) => ReadonlyArray<readonly [string, string]>): Install => {
  const image = imageOf(leader.machine)
  return install({
    src: N0,
    dst: follower,
    term: leader.term,
    lastIndex: leader.commitIndex,
    lastTerm: termAt(leader.log, leader.commitIndex) as number,
    pairs: bend(image.pairs),
    mids: image.mids,
    at: 0
  })
}

const machinesAgree = (follower: NodeId, index: number): Violation => ({
  invariant: "machines-agree",
  replica: follower,
  detail: `${follower}'s state machine at applied index ${index} differs from ${N0}'s there`
})

describe("a forged install", () => {
  it("that slips past the follower's defence with a wrong value is flagged at the step that installs it", () => {
    const cluster = new Cluster()
    const follower = settle(cluster)
    const leader = cluster.at(N0).state
    const forged = snapshotFrom(leader, follower, (pairs) => pairs.map(([key, value]) => [key, key === "k0" ? "forged" : value]))
    const found = cluster.step(follower, (n) => n.receive(forged, n.now + 1))
    // The replica took it: a wrong value looks like any other.
    expect(cluster.at(follower).state.commitIndex).toBe(leader.commitIndex)
    expect(read(cluster.at(follower).state.machine, "k0")).toBe("forged")
    expect(found).toEqual([machinesAgree(follower, leader.commitIndex)])
  })

  it("that the follower refuses for a lost key is flagged at once when installed anyway, by a state built directly", () => {
    const cluster = new Cluster()
    const follower = settle(cluster)
    const leader = cluster.at(N0).state
    const forged = snapshotFrom(leader, follower, (pairs) => pairs.filter(([key]) => key !== "k0"))
    // The replica's own defence refuses it: nothing changes, nothing is flagged.
    const before = cluster.at(follower).state
    expect(cluster.step(follower, (n) => n.receive(forged, n.now + 1))).toEqual([])
    expect(cluster.at(follower).state.commitIndex).toBe(before.commitIndex)
    // Installed regardless, as installSnapshot.ts would without its check.
    const { machine } = addChunk(startIncoming(forged), forged)
    const installed = stateWith(cluster.at(follower).state, {
      log: compactTo(before.log, forged.lastIndex, forged.lastTerm),
      commitIndex: forged.lastIndex,
      machine,
      snapshot: imageOf(machine),
      checkpoint: { index: forged.lastIndex, term: forged.lastTerm, machine },
      incoming: undefined
    })
    expect(cluster.step(follower, (n) => {
      n.state = installed
      return []
    })).toEqual([machinesAgree(follower, leader.commitIndex)])
  })

  it("while the very snapshot the leader would send, unbent, is taken and flagged by no one", () => {
    const cluster = new Cluster()
    const follower = settle(cluster)
    const leader = cluster.at(N0).state
    expect(cluster.step(follower, (n) => n.receive(snapshotFrom(leader, follower, (pairs) => pairs), n.now + 1))).toEqual([])
    expect(cluster.at(follower).state.commitIndex).toBe(leader.commitIndex)
    expect(cluster.found).toEqual([])
  })
})
