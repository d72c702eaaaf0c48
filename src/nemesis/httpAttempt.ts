/** One try of a command against one node: long enough for a redirect and a commit, short against a paused node. */
const ATTEMPT_TIMEOUT_MS = 2_000

/**
 * What one HTTP attempt said. `retry`: the node could not say (503, a timeout, a refused or
 * reset connection), so a put may or may not have taken effect and the caller tries again,
 * with the same session, elsewhere.
 */
export type Attempt =
  | { readonly _tag: "done"; readonly value: string; readonly leader: string }
  | { readonly _tag: "retry" }

export const attempt = async (
  url: string,
  key: string,
  command: { readonly kind: "get" } | { readonly kind: "put"; readonly value: string; readonly client: string; readonly sequence: number }
): Promise<Attempt> => {
  const init: RequestInit =
    command.kind === "get"
      ? { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) }
      : {
          method: "PUT",
          body: command.value,
          headers: { "Client-Id": command.client, "Client-Sequence": String(command.sequence) },
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)
        }
  let response: Response
  let body: string
  try {
    response = await fetch(new URL(`/kv/${encodeURIComponent(key)}`, url), init)
    body = await response.text()
  } catch {
    return { _tag: "retry" }
  }
  const leader = new URL(response.url).origin
  if (response.status === 204) return { _tag: "done", value: "", leader }
  if (response.status === 200) return { _tag: "done", value: body, leader }
  if (response.status === 404 && command.kind === "get") return { _tag: "done", value: "", leader }
  if (response.status === 503) return { _tag: "retry" }
  throw new Error(`${command.kind} ${key} at ${url}: unexpected ${response.status} ${body}`)
}
