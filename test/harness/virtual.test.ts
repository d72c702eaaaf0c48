import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { loadConfig, type Config } from "../../src/domain/harness/config.ts"
import { reportPage } from "../../src/domain/harness/page/page.ts"
import { formatJson } from "../../src/domain/harness/report.ts"
import { Trace } from "../../src/domain/harness/trace.ts"
import { read } from "../../src/domain/raft/log/stateMachine.ts"
import { decodeDatagram } from "../../src/domain/wire/decode.ts"
import { makeReplicaShell } from "../../src/shell/replicaShell.ts"
import { simulate } from "../../src/harness/virtual.ts"
import { Transport } from "../../src/services/Transport.ts"
import type { ClusterConfig } from "../../src/domain/raft/state.ts"

const configs: ReadonlyArray<readonly [string, Config]> = readdirSync("configs")
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => [file.replace(".json", ""), Either.getOrThrow(loadConfig(readFileSync(`configs/${file}`, "utf8")))] as const)

const config = (name: string): Config => configs.find(([n]) => n === name)![1]

describe("kvsim virtual mode", () => {
  it("replays a run byte for byte from its seed", () => {
    const first = formatJson([simulate(config("advanced-1"), { seed: 42, name: "advanced-1" })])
    const second = formatJson([simulate(config("advanced-1"), { seed: 42, name: "advanced-1" })])
    expect(first).toBe(second)
    expect(formatJson([simulate(config("advanced-1"), { seed: 43, name: "advanced-1" })])).not.toBe(first)
  })

  // Each simulation runs synchronously for a fraction of a second; yielding between them keeps
  // the test worker answering vitest's runner on a busy machine.
  const yieldToRunner = () => new Promise((resolve) => setImmediate(resolve))

  it.each(configs.map(([name]) => name))("%s passes every correctness check, linearizable, on seeds 1–3", async (name) => {
    for (const seed of [1, 2, 3]) {
      await yieldToRunner()
      const result = simulate(config(name), { seed, name })
      expect(result.checks.filter((check) => !check.passed), `${name} seed ${seed}`).toEqual([])
      expect(result.linearizability._tag).toBe("Linearizable")
      expect(result.stats.duplicates).toBe(0)
    }
  })

  it("catches a replica that serves gets from any follower's local state", () => {
    const broken = (cluster: ClusterConfig) =>
      Effect.gen(function* () {
        const shell = yield* makeReplicaShell(cluster)
        const transport = yield* Transport
        return {
          ...shell,
          onDatagram: (bytes: Uint8Array) => {
            const decoded = decodeDatagram(bytes)
            const state = shell.state()
            if (Either.isRight(decoded) && decoded.right.type === "get" && state.role !== "leader") {
              const get = decoded.right
              const answer = { src: cluster.self, dst: get.src, leader: state.leader, type: "ok", MID: get.MID, value: read(state.machine, get.key) }
              return transport.send(JSON.stringify(answer))
            }
            shell.onDatagram(bytes)
          }
        }
      })
    const runs = [1, 2, 3, 4, 5].map((seed) => {
      const trace = new Trace()
      return { trace, result: simulate(config("crash-4"), { seed, name: "crash-4", replica: broken, trace }) }
    })
    const violating = runs.find((run) => run.result.linearizability._tag === "Violation")
    expect(violating).toBeDefined()
    // Its report page draws the witness: the key's operations, a row per client.
    const page = reportPage(violating!.result, violating!.trace)
    expect(page).toContain("Not linearizable")
    expect(page).toContain(`aria-label="operations of the violating key, per client"`)
    const verdict = violating!.result.linearizability
    if (verdict._tag === "Violation") for (const op of verdict.operations) expect(page).toContain(`<title>#${op.id} `)
  })
})
