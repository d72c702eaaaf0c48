import type { HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Data, Effect } from "effect"

export type BoundedBody =
  | { readonly _tag: "Body"; readonly bytes: Uint8Array }
  | { readonly _tag: "TooLarge" }

export class BodyReadError extends Data.TaggedError("BodyReadError")<{ readonly cause: unknown }> {}

/**
 * Reads a request body of at most `limit` bytes. A larger one is refused from its
 * Content-Length without reading it, or, sent chunked, as soon as it passes the limit: the
 * rest is left unread and the stream paused rather than destroyed, since destroying a request
 * closes its socket before the refusal can be written. The platform's own body readers do
 * that, so the node's request is read here directly.
 */
export const readBoundedBody = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<BoundedBody, BodyReadError> => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > limit) return Effect.succeed({ _tag: "TooLarge" })
  const incoming = NodeHttpServerRequest.toIncomingMessage(request)
  return Effect.async<BoundedBody, BodyReadError>((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    const detach = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > limit) {
        detach()
        incoming.pause()
        resume(Effect.succeed({ _tag: "TooLarge" }))
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      detach()
      resume(Effect.succeed({ _tag: "Body", bytes: Buffer.concat(chunks) }))
    }
    const onError = (error: unknown) => {
      detach()
      resume(Effect.fail(new BodyReadError({ cause: error })))
    }
    incoming.on("data", onData)
    incoming.once("end", onEnd)
    incoming.once("error", onError)
    return Effect.sync(detach)
  })
}
