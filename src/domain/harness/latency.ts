export interface LatencySummary {
  readonly samples: number
  readonly meanMs: number
  readonly medianMs: number
  readonly p99Ms: number
}

/** Mean, median (mean of the middle two for an even count) and nearest-rank p99; undefined without samples. */
export const summarizeLatency = (samplesMs: ReadonlyArray<number>): LatencySummary | undefined => {
  const n = samplesMs.length
  if (n === 0) return undefined
  const sorted = Float64Array.from(samplesMs).sort()
  let sum = 0
  for (const sample of sorted) sum += sample
  const mid = n >> 1
  const medianMs = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  const p99Ms = sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)] as number
  return { samples: n, meanMs: sum / n, medianMs, p99Ms }
}
