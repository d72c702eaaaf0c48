import { Effect, Layer } from "effect"
import {
  appendRefusal,
  checked,
  dropRefusal,
  hardStateRefusal,
  nextIndex,
  snapshotRefusal,
  truncateRefusal
} from "./rules.ts"
import { initialHardState, type HardState, type LogEntry, type Snapshot, Storage } from "./Storage.ts"

/**
 * What a replica keeps across its restarts when nothing is written to disk: the harness and
 * the simulator hand the same MemoryDisk to each incarnation, as a real replica finds its
 * directory again. A write is durable as soon as it is made.
 */
export class MemoryDisk {
  hardState: HardState = initialHardState
  snapshot: Snapshot | undefined = undefined
  /** Contiguous; indexes run from `entries[0].index` to `lastIndex`. */
  entries: Array<LogEntry> = []
  lastIndex = 0

  get snapshotIndex(): number {
    return this.snapshot?.lastIncludedIndex ?? 0
  }
}

export const MemoryStorage = (disk: MemoryDisk): Layer.Layer<Storage> =>
  Layer.sync(Storage, () => {
    const after = disk.snapshotIndex
    const recovered = {
      hardState: disk.hardState,
      snapshot: disk.snapshot,
      entries: disk.entries.filter((entry) => entry.index > after)
    }
    return Storage.of({
      load: Effect.succeed(recovered),
      saveHardState: (hardState) =>
        checked(
          () => hardStateRefusal(hardState),
          () =>
            Effect.sync(() => {
              disk.hardState = hardState
            })
        ),
      append: (entries) =>
        checked(
          () => appendRefusal(entries, disk),
          () =>
            Effect.sync(() => {
              const last = entries.at(-1)
              if (last === undefined) return
              if (nextIndex(disk) > disk.lastIndex + 1) disk.entries = []
              for (const entry of entries) disk.entries.push(entry)
              disk.lastIndex = last.index
            })
        ),
      truncateFrom: (from) =>
        checked(
          () => truncateRefusal(from, disk),
          () =>
            Effect.sync(() => {
              if (from > disk.lastIndex) return
              disk.entries = disk.entries.filter((entry) => entry.index < from)
              disk.lastIndex = from - 1
            })
        ),
      dropPrefix: (through) =>
        checked(
          () => dropRefusal(through, disk),
          () =>
            Effect.sync(() => {
              disk.entries = disk.entries.filter((entry) => entry.index > through)
            })
        ),
      saveSnapshot: (snapshot) =>
        checked(
          () => snapshotRefusal(snapshot, disk),
          () =>
            Effect.sync(() => {
              disk.snapshot = snapshot
            })
        )
    })
  })
