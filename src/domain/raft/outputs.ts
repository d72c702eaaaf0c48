import type { WireMessage } from "../wire/messages.ts"

/**
 * What a step asks the shell to do. The reducer never performs I/O; it returns these and the
 * shell (src/shell/replicaShell.ts) sends the datagrams and writes the log lines.
 */
export type Output =
  | { readonly _tag: "Send"; readonly message: WireMessage }
  | {
      readonly _tag: "Log"
      readonly level: "debug" | "info" | "warning"
      /** Rate-limiting key: the shell prints each key at most once per interval. */
      readonly key: string
      readonly text: string
    }

/**
 * Every message names the leader this replica believes in: the harness and clients learn it
 * from there. Callers write each message out field by field, envelope included: on Node 20 a
 * property added after a spread (`{ ...envelope, type, … }`) goes through V8's runtime, orders
 * of magnitude slower than a literal written out (docs/performance/latency.md).
 */
export const send = (message: WireMessage): Output => ({ _tag: "Send", message })

export const log = (level: "debug" | "info" | "warning", key: string, text: string): Output => ({
  _tag: "Log",
  level,
  key,
  text
})

export type Outputs = Array<Output>
