import { describe, expect, it } from "vitest"
import type { PhaseResult } from "../../src/loadBench/httpLoad.ts"
import { resultTables, type Measured } from "../../src/programs/etcdBench/resultTables.ts"

const phase = (kind: PhaseResult["kind"], clients: number, ok: number, p50: number): PhaseResult => ({ kind, clients, ok, errors: 0, seconds: 10, p50, p99: p50 * 2 })

describe("the etcd benchmark's tables", () => {
  it("pairs each store's phase by concurrency and round, with kvnode's rate over etcd's", () => {
    const measured: Array<Measured> = [
      { round: 1, store: "kvnode", result: phase("put", 16, 5_000, 3) },
      { round: 1, store: "etcd", result: phase("put", 16, 20_000, 1.5) },
      { round: 1, store: "kvnode", result: phase("get", 16, 30_000, 0.5) },
      { round: 1, store: "etcd", result: phase("get", 16, 10_000, 1) }
    ]
    const text = resultTables(measured, [16])
    expect(text).toContain("| 16 | 1 | 500 | 2,000 | 0.25 | 3.00 / 6.00 | 1.50 / 3.00 | 0 / 0 |")
    expect(text).toContain("| 16 | 1 | 3,000 | 1,000 | 3.00 | 0.50 / 1.00 | 1.00 / 2.00 | 0 / 0 |")
  })

  it("leaves out a row whose other store was not measured", () => {
    const text = resultTables([{ round: 1, store: "kvnode", result: phase("put", 1, 100, 1) }], [1])
    expect(text).not.toContain("| 1 | 1 |")
  })
})
