export interface LatencySummary {
  readonly samples: number
  readonly meanMs: number
  readonly medianMs: number
  readonly p99Ms: number
}

/** Mean, median (the reference's: the upper middle sample for an even count) and nearest-rank p99; undefined without samples. */
export const summarizeLatency = (samplesMs: ReadonlyArray<number>): LatencySummary | undefined => {
  const n = samplesMs.length
  if (n === 0) return undefined
  const sorted = Float64Array.from(samplesMs).sort()
  let sum = 0
  for (const sample of sorted) sum += sample
  const medianMs = sorted[n >> 1] as number
  const p99Ms = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)] as number
  return { samples: n, meanMs: sum / n, medianMs, p99Ms }
}
