import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { loadConfig, type Config } from "../../src/domain/harness/config.ts"
import type { ClusterConfig } from "../../src/domain/raft/state.ts"
import { makeReplicaShell } from "../../src/programs/replica/replica.ts"
import { generateSchedule, runSchedule, shrink } from "../../src/programs/sim/campaign.ts"
import { standardSuite } from "../../src/programs/kvsim/suite.ts"

const configs = new Map<string, Config>(
  standardSuite(readdirSync("configs")).map((file) => [
    file.replace(".json", ""),
    Either.getOrThrow(loadConfig(readFileSync(`configs/${file}`, "utf8")))
  ])
)
const names = [...configs.keys()]
const configOf = (name: string): Config => configs.get(name)!
const schedule = (seed: number) => generateSchedule(seed, names, (name) => configOf(name).lifetime)
const yieldToRunner = () => new Promise((resolve) => setImmediate(resolve))

describe("fault campaign (virtual mode, invariants after every step)", () => {
  it("generates the same schedule from the same seed, and different ones from different seeds", () => {
    expect(schedule(7)).toEqual(schedule(7))
    expect(schedule(7)).not.toEqual(schedule(8))
    expect(names.includes(schedule(7).config)).toBe(true)
  })

  it("seeds 1–100: no invariant broken, every history linearizable", async () => {
    const unsafe: Array<string> = []
    for (let seed = 1; seed <= 100; seed++) {
      if (seed % 10 === 0) await yieldToRunner()
      const s = schedule(seed)
      const outcome = runSchedule(s, configOf(s.config))
      if (outcome._tag !== "Safe") unsafe.push(`seed ${seed}: ${JSON.stringify(outcome)}`)
    }
    expect(unsafe).toEqual([])
  }, 120_000)

  it("catches a replica that claims to lead a term it did not win, and shrinks the schedule to what it needs", () => {
    // Replica 0000 reports itself leader of whatever term it is in: two leaders in one term
    // as soon as anyone else wins an election.
    const impostor = (cluster: ClusterConfig) =>
      Effect.map(makeReplicaShell(cluster), (shell) =>
        cluster.self === "0000" ? { ...shell, state: () => ({ ...shell.state(), role: "leader" as const }) } : shell
      )
    const s = [...Array(50).keys()].map((i) => schedule(i + 1)).find((candidate) => candidate.events.length >= 3)!
    const outcome = runSchedule(s, configOf(s.config), impostor)
    expect(outcome).toMatchObject({ _tag: "InvariantBroken", violation: { invariant: "election-safety" } })
    const smallest = shrink(s, configOf(s.config), outcome, impostor)
    expect(smallest.events).toEqual([])
    expect(smallest.drops).toBe(0)
    expect(runSchedule(smallest, configOf(s.config), impostor)).toMatchObject({ _tag: "InvariantBroken" })
  }, 120_000)
})
