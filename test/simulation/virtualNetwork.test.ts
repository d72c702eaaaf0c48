import { describe, expect, it } from "vitest"
import { replicaId, type NodeId } from "../../src/domain/ids.ts"
import { RandomStream } from "../../src/domain/randomStream.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { type Adversary, VirtualNetwork } from "../../src/simulation/virtualNetwork.ts"

const [A, B, C] = [0, 1, 2].map(replicaId) as [NodeId, NodeId, NodeId]
const CLIENT = "0013" as NodeId
const HOP = { baseMs: 1, jitterMs: 4 }

const setup = (adversary?: Adversary) => {
  const kernel = new SimulationKernel()
  const jitter = new RandomStream(1)
  const chaos = new RandomStream(2)
  let chaosDraws = 0
  const network = new VirtualNetwork(kernel, {
    members: [A, B, C],
    hop: HOP,
    jitter: () => jitter.float(),
    chaos: () => (chaosDraws++, chaos.float()),
    ...(adversary === undefined ? {} : { adversary })
  })
  const arrivals: Array<{ readonly name: string; readonly at: number }> = []
  const send = (name: string, from: NodeId, to: NodeId, link = `${from}>${to}`) =>
    network.send(link, from, to, () => arrivals.push({ name, at: kernel.now }))
  return { kernel, network, arrivals, send, chaosDraws: () => chaosDraws }
}

describe("the virtual network", () => {
  it("delivers each datagram one hop later, in order on its link, while other links' may overtake it", () => {
    const { kernel, arrivals, send } = setup()
    for (let i = 0; i < 50; i++) {
      send(`ab${i}`, A, B)
      send(`cb${i}`, C, B)
    }
    kernel.advanceTo(100)
    expect(arrivals).toHaveLength(100)
    for (const { at } of arrivals) expect(at).toBeGreaterThanOrEqual(HOP.baseMs)
    for (const { at } of arrivals) expect(at).toBeLessThan(HOP.baseMs + HOP.jitterMs)
    const order = (prefix: string) => arrivals.filter(({ name }) => name.startsWith(prefix)).map(({ name }) => Number(name.slice(2)))
    expect(order("ab")).toEqual([...Array(50).keys()])
    expect(order("cb")).toEqual([...Array(50).keys()])
    const interleaved = arrivals.map(({ name }) => name.slice(0, 2)).join("")
    expect(interleaved).not.toBe("ab".repeat(50) + "cb".repeat(50))
    expect(interleaved).not.toBe("abcb".repeat(50))
  })

  it("keeps order per link as the caller names it: one socket's datagrams to different replicas stay in order", () => {
    const { kernel, arrivals, send } = setup()
    for (let i = 0; i < 20; i++) send(`${i}`, CLIENT, i % 2 === 0 ? A : B, "harness>")
    kernel.advanceTo(100)
    expect(arrivals.map(({ name }) => Number(name))).toEqual([...Array(20).keys()])
  })

  it("partitions and drops only between replicas; a client's traffic always goes through", () => {
    const { kernel, network, arrivals, send } = setup()
    network.partition([A])
    network.setDropRate(1)
    send("a>b", A, B)
    send("b>c", B, C)
    send("client>a", CLIENT, A)
    send("a>client", A, CLIENT)
    kernel.advanceTo(100)
    expect(arrivals.map(({ name }) => name).sort()).toEqual(["a>client", "client>a"])
  })

  it("heals a partition: both sides reach each other again", () => {
    const { kernel, network, arrivals, send } = setup()
    network.partition([A, B])
    send("a>b", A, B)
    send("a>c", A, C)
    network.heal()
    send("c>a", C, A)
    kernel.advanceTo(100)
    expect(arrivals.map(({ name }) => name).sort()).toEqual(["a>b", "c>a"])
  })

  it("loses what is on its way to a killed replica, and everything sent to or from it after", () => {
    const { kernel, network, arrivals, send } = setup()
    send("before", B, A)
    network.kill(A)
    send("to", C, A)
    send("from", A, C)
    send("others", B, C)
    kernel.advanceTo(100)
    expect(arrivals.map(({ name }) => name)).toEqual(["others"])
  })

  it("cuts one way only, and only while the cut lasts", () => {
    const { kernel, arrivals, send } = setup({ duplicate: 0, delayMs: 0, cuts: [{ from: [A], to: [B, C], startMs: 10, endMs: 20 }] })
    send("a>b before", A, B)
    kernel.advanceTo(10)
    send("a>b during", A, B)
    send("b>a during", B, A)
    kernel.advanceTo(20)
    send("a>c after", A, C)
    kernel.advanceTo(100)
    expect(arrivals.map(({ name }) => name)).toEqual(["a>b before", "b>a during", "a>c after"])
  })

  it("duplicates and delays datagrams when an adversary is set, so copies may overtake", () => {
    const { kernel, arrivals, send } = setup({ duplicate: 0.5, delayMs: 50 })
    for (let i = 0; i < 100; i++) send(`${i}`, A, B)
    kernel.advanceTo(1_000)
    const names = arrivals.map(({ name }) => Number(name))
    expect(names.length).toBeGreaterThan(120)
    expect(names.length).toBeLessThan(180)
    expect(names).not.toEqual([...names].sort((x, y) => x - y))
    expect(Math.max(...arrivals.map(({ at }) => at))).toBeGreaterThan(HOP.baseMs + HOP.jitterMs)
  })

  it("draws for faults only when some are set, so a run without them keeps its draws", () => {
    const quiet = setup()
    for (let i = 0; i < 10; i++) quiet.send(`${i}`, A, B)
    expect(quiet.chaosDraws()).toBe(0)
    const lossy = setup()
    lossy.network.setDropRate(0.5)
    for (let i = 0; i < 10; i++) lossy.send(`${i}`, A, B)
    lossy.send("client", CLIENT, A)
    expect(lossy.chaosDraws()).toBe(10)
  })

  it("holds back about the asked share of copies by more than the late minimum, the rest on time", () => {
    const { kernel, arrivals, send } = setup({ duplicate: 0, delayMs: 0, late: { rate: 0.2, minMs: 2000, spreadMs: 1000 } })
    for (let i = 0; i < 500; i++) send(`${i}`, A, B, `link${i}`)
    kernel.advanceTo(10_000)
    expect(arrivals).toHaveLength(500)
    const late = arrivals.filter(({ at }) => at >= 2000)
    for (const { at } of late) expect(at).toBeLessThan(2000 + 1000 + HOP.baseMs + HOP.jitterMs)
    expect(arrivals.filter(({ at }) => at >= HOP.baseMs + HOP.jitterMs && at < 2000)).toEqual([])
    expect(late.length).toBeGreaterThan(70)
    expect(late.length).toBeLessThan(130)
  })
})
