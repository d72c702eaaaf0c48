import type { PhaseKind, PhaseResult } from "../../loadBench/httpLoad.ts"

export interface Measured {
  readonly round: number
  readonly store: "kvnode" | "etcd"
  readonly result: PhaseResult
}

const rate = (result: PhaseResult) => result.ok / result.seconds
const ms = (value: number) => (Number.isNaN(value) ? "–" : value.toFixed(2))
const whole = (value: number) => Math.round(value).toLocaleString("en-US")

const table = (measured: ReadonlyArray<Measured>, concurrencies: ReadonlyArray<number>, kind: PhaseKind): string => {
  const rounds = [...new Set(measured.map((m) => m.round))].sort((a, b) => a - b)
  const find = (round: number, clients: number, store: Measured["store"]) =>
    measured.find((m) => m.round === round && m.store === store && m.result.clients === clients && m.result.kind === kind)?.result
  const noun = kind === "put" ? "puts/s" : "linearizable gets/s"
  const rows = concurrencies.flatMap((clients) =>
    rounds.flatMap((round) => {
      const ours = find(round, clients, "kvnode")
      const theirs = find(round, clients, "etcd")
      if (ours === undefined || theirs === undefined) return []
      const ratio = rate(theirs) === 0 ? "–" : (rate(ours) / rate(theirs)).toFixed(2)
      return [
        `| ${clients} | ${round} | ${whole(rate(ours))} | ${whole(rate(theirs))} | ${ratio} | ${ms(ours.p50)} / ${ms(ours.p99)} | ${ms(theirs.p50)} / ${ms(theirs.p99)} | ${ours.errors} / ${theirs.errors} |`
      ]
    })
  )
  return [
    `| clients | round | kvnode ${noun} | etcd ${noun} | kvnode / etcd | kvnode p50 / p99 (ms) | etcd p50 / p99 (ms) | errors (kvnode / etcd) |`,
    "|---|---|---|---|---|---|---|---|",
    ...rows
  ].join("\n")
}

/** The puts table and the gets table, a row per concurrency and round. */
export const resultTables = (measured: ReadonlyArray<Measured>, concurrencies: ReadonlyArray<number>): string =>
  [`Puts:`, "", table(measured, concurrencies, "put"), "", "Linearizable gets:", "", table(measured, concurrencies, "get")].join("\n")
