import { Data } from "effect"

/** kv's exit statuses, as docs/cluster-api.md lists them. */
export const EXIT = {
  ok: 0,
  notFound: 1,
  usage: 2,
  unavailable: 3
} as const

/** Ends kv with `code`, after printing `message` on stderr. */
export class KvExit extends Data.TaggedError("KvExit")<{ readonly code: number; readonly message: string }> {}
