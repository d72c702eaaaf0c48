import type { PlatformError } from "@effect/platform/Error"
import { Data } from "effect"
import { ReasonError } from "../../domain/reasonError.ts"
import type { DirectoryLocked } from "./directoryLock.ts"

/** A read, write, fsync, rename or removal that failed; `path` is the file or directory it was on. */
export class StorageIoError extends Data.TaggedError("StorageIoError")<{
  readonly operation: string
  readonly path: string
  readonly cause: PlatformError
}> {
  override get message(): string {
    return `${this.operation} ${this.path}: ${this.cause.message}`
  }
}

/**
 * Recovery found damage it must not paper over: a record that fails its checksum or does not
 * decode with more records after it, a segment missing from the sequence, entries that do not
 * follow one another. `offset` is the byte in `file` where the bad record starts.
 */
export class CorruptRecord extends Data.TaggedError("CorruptRecord")<{
  readonly file: string
  readonly offset: number
  readonly reason: string
}> {
  override get message(): string {
    return `corrupt record in ${this.file} at byte ${this.offset}: ${this.reason}`
  }
}

/** A call that would break the log's shape: a bug in the caller, raised as a defect. */
export class StorageMisuse extends ReasonError("StorageMisuse") {}

/** What opening a store on disk can fail with. */
export type OpenError = StorageIoError | CorruptRecord | DirectoryLocked
