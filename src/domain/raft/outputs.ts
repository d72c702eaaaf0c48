import type { WireMessage } from "../wire/messages.ts"

/**
 * What a step asks the shell to do. The reducer never performs I/O; it returns these and the
 * shell (src/programs/replica) sends the datagrams and writes the log lines.
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

export const send = (message: WireMessage): Output => ({ _tag: "Send", message })

export const log = (level: "debug" | "info" | "warning", key: string, text: string): Output => ({
  _tag: "Log",
  level,
  key,
  text
})

export type Outputs = Array<Output>
