import { Effect, Either } from "effect"
import type { Output } from "../domain/raft/outputs.ts"
import type { Input } from "../domain/raft/step.ts"
import { decodeDatagram, encodeMessage } from "../domain/wire/decode.ts"
import { reportNow } from "../services/ReplicaLog.ts"
import { Transport } from "../services/Transport.ts"

/**
 * What the harness shell (replicaShell.ts) and the durable shell share at their edge: how a
 * step's outputs leave, how a datagram becomes an input, and how a warning is logged.
 * The services are resolved here once, when a shell is built, so each of these is a plain
 * function and a datagram is answered without running an Effect (see ReplicaShell).
 */
export const shellEdge = Effect.gen(function* () {
  const transport = yield* Transport
  const report = yield* reportNow

  const warn = (key: string, text: string): void => report("warning", key, text)

  /** Sends the datagrams and writes the log lines of one step, in the order the step made them. */
  const perform = (outputs: ReadonlyArray<Output>): void => {
    for (const output of outputs) {
      if (output._tag === "Send") transport.send(encodeMessage(output.message))
      else report(output.level, output.key, output.text)
    }
  }

  /** A shell's `onDatagram`: decodes once, here at the edge; what fails to decode is logged and dropped. */
  const decodingInto =
    (advance: (input: Input) => void) =>
    (bytes: Uint8Array): void => {
      const decoded = decodeDatagram(bytes)
      if (Either.isRight(decoded)) return advance({ _tag: "Message", message: decoded.right })
      const { reason, detail } = decoded.left
      warn(`decode:${reason}`, `dropped a datagram: ${reason}: ${detail}`)
    }

  return { warn, perform, decodingInto }
})

export type ShellEdge = Effect.Effect.Success<typeof shellEdge>
