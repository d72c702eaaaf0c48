import { replicaId } from "../../src/domain/ids.ts"
import { RandomStream } from "../../src/domain/randomStream.ts"
import { SimulationKernel } from "../../src/simulation/kernel.ts"
import { MemoryNetwork } from "../../src/simulation/memoryNetwork.ts"
import { ReplicaTimers, SPIN_LIMIT } from "../../src/simulation/replicaTimers.ts"
import { VirtualNetwork } from "../../src/simulation/virtualNetwork.ts"

/**
 * What a test cluster of `size` replicas runs on: the simulation kernel, a virtual network
 * whose jitter and chaos are drawn from `seed`, the memory network that carries its datagrams,
 * and timers that fail the test when a replica spins.
 */
export const simulatedNetwork = (size: number, seed: number) => {
  const ids = Array.from({ length: size }, (_, i) => replicaId(i))
  const kernel = new SimulationKernel()
  const jitter = new RandomStream(seed ^ 0x5eed)
  const chaos = new RandomStream(seed ^ 0xadd5)
  const network = new VirtualNetwork(kernel, { members: ids, jitter: () => jitter.float(), chaos: () => chaos.float() })
  const memory = new MemoryNetwork(network, ids)
  const timers = new ReplicaTimers(kernel, {
    limit: SPIN_LIMIT,
    onSpin: (id, now) => {
      throw new Error(`replica ${id} spins at t=${now}ms`)
    }
  })
  return { ids, kernel, network, memory, timers }
}
