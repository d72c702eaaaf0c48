import { describe, expect, it } from "vitest"
import { BROADCAST, replicaId, type NodeId } from "../../src/domain/ids.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { MemoryNetwork } from "../../src/simulation/memoryNetwork.ts"
import { VirtualNetwork } from "../../src/simulation/virtualNetwork.ts"

const ids = [0, 1, 2].map(replicaId)
const [A, B, C] = ids as [NodeId, NodeId, NodeId]
const CLIENT = "0013" as NodeId

const setup = () => {
  const kernel = new SimulationKernel()
  const network = new VirtualNetwork(kernel, { members: ids, jitter: () => 0.5, chaos: () => 0.5 })
  const memory = new MemoryNetwork(network, ids)
  const received: Array<string> = []
  const decoder = new TextDecoder()
  const stops = new Map(
    [...ids, CLIENT].map((id) => [id, memory.listen(id, (bytes) => received.push(`${id}<${JSON.parse(decoder.decode(bytes)).type}`))])
  )
  return { kernel, network, memory, received, stops }
}

describe("the in-memory network", () => {
  it("routes by dst, a broadcast to every other replica, and delivers one hop later", () => {
    const { kernel, memory, received } = setup()
    memory.route(A, JSON.stringify({ src: A, dst: BROADCAST, type: "hello" }))
    memory.route(B, JSON.stringify({ src: B, dst: CLIENT, type: "ok" }))
    expect(received).toEqual([])
    kernel.advanceTo(1)
    expect(received.sort()).toEqual([`${B}<hello`, `${C}<hello`, `${CLIENT}<ok`])
  })

  it("delivers nothing to one that has stopped listening, and meets the virtual network's faults", () => {
    const { kernel, network, memory, received, stops } = setup()
    stops.get(C)?.()
    network.partition([A])
    memory.route(B, JSON.stringify({ src: B, dst: BROADCAST, type: "vote" }))
    memory.route(CLIENT, JSON.stringify({ src: CLIENT, dst: A, type: "get" }))
    kernel.advanceTo(1)
    expect(received).toEqual([`${A}<get`])
  })
})
