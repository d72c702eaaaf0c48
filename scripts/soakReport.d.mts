// Types of soakReport.mjs for its tests (the scripts are plain JavaScript, run without a build).

/** A window of kvsim's `--json` timeline (docs/artifacts.md, result.json). */
export interface TimelineWindow {
  readonly fromMs: number
  readonly toMs: number
  readonly invoked: number
  readonly unanswered: number
  readonly answered: number
  readonly newKeys: number
  readonly medianMs: number | null
  readonly p99Ms: number | null
  readonly leaders: ReadonlyArray<string>
}

/** Resident memory in kB, `atS` seconds after kvsim started; a replica that is gone has no entry. */
export interface MemorySample {
  readonly atS: number
  readonly kvsim?: number
  readonly replicas: Readonly<Record<string, number>>
}

/** The fields of the soak's kvsim config that its report reads. */
export interface SoakConfig {
  readonly replicas: number
  readonly lifetime: number
  readonly requests: number
  readonly mix: number
  readonly drops: number
  readonly keys_per_client?: number
  readonly max_value_bytes?: number
  readonly events: ReadonlyArray<{ readonly type: string; readonly time: number }>
}

export interface WarmUp {
  /** Minutes 1 to this are the warm-up. */
  readonly minutes: number
  /** The last minute in which a key was first written; 0 for none. */
  readonly lastGrowth: number
  readonly dataStillGrowing: boolean
}

export interface ReplicaMemory {
  readonly id: string
  /** The first minute judged. */
  readonly from: number
  /** The last minute with a sample judged; undefined when none was. */
  readonly to?: number
  /** What the judged span starts after: the warm-up or the replica's last change of role. */
  readonly after: string
  readonly died: boolean
  readonly samples: number
  readonly role?: "leader" | "follower" | "changed"
  /** MiB per minute, least squares over the judged samples; undefined under a minute of them. */
  readonly slope?: number
  /** Mean kB of the first and last minute of judged samples; undefined under two minutes of them. */
  readonly first?: number
  readonly final?: number
  /** final / first − 1. */
  readonly change?: number
  readonly ok: boolean
  readonly note: string
}

export declare const putDatagramBytes: (bytes: number) => number
export declare const leastSquaresSlope: (points: ReadonlyArray<{ readonly x: number; readonly y: number }>) => number | undefined
export declare const warmUpOf: (config: SoakConfig, timeline: ReadonlyArray<TimelineWindow>) => WarmUp
export declare const judgeMemory: (input: {
  readonly config: SoakConfig
  readonly timeline: ReadonlyArray<TimelineWindow>
  readonly samples: ReadonlyArray<MemorySample>
  readonly sampleEveryMs: number
}) => { readonly warmUp: WarmUp; readonly replicas: ReadonlyArray<ReplicaMemory> }
/** `run` is one run of kvsim's `--json` output. */
export declare const soakReport: (input: {
  readonly command: string
  readonly started: Date
  readonly config: SoakConfig
  readonly run: unknown
  readonly samples: ReadonlyArray<MemorySample>
  readonly sampleEveryMs: number
}) => { readonly section: string; readonly passed: boolean }
