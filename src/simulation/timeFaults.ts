import type { NodeId } from "../domain/ids.ts"

/**
 * A process frozen from `startMs` until `endMs` (kernel time): it handles nothing, and what
 * reached it meanwhile waits in its socket's queue. `"leader"` strikes whichever replica leads
 * (the highest term's leader) when the pause begins, if any does.
 */
export interface ProcessPause {
  readonly replica: NodeId | "leader"
  readonly startMs: number
  readonly endMs: number
}

/** Faults in the replicas' sense of time, for fault campaigns. */
export interface TimeFaults {
  /** Each replica's clock rate, by replica index: 1 keeps kernel time, 1.02 runs 2% fast. */
  readonly rates: ReadonlyArray<number>
  readonly pauses: ReadonlyArray<ProcessPause>
}
