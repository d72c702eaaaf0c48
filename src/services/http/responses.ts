import { HttpServerResponse } from "@effect/platform"
import type { Address } from "../../domain/cluster/clusterFile.ts"
import type { NodeId } from "../../domain/ids.ts"

/** How long a client is asked to wait before retrying when no node can answer now: about one election. */
export const RETRY_AFTER_SECONDS = 1

/** Every error is `{ "error": "<message>" }`, so a client can print it whatever the status. */
export const errorResponse = (status: number, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson({ error: message }, { status, headers })

export const unavailable = (message: string) =>
  errorResponse(503, message, { "retry-after": String(RETRY_AFTER_SECONDS) })

/**
 * Refuses a body too large for one entry. `Connection: close` makes the server close the
 * connection after answering instead of reading the rest of the body to reuse it.
 */
export const tooLarge = (message: string) => errorResponse(413, message, { connection: "close" })

/** An IPv6 literal is bracketed in a URL; the cluster file writes it bare. */
const urlHost = (host: string): string => (host.includes(":") ? `[${host}]` : host)

export const urlOf = (address: Address, pathAndQuery: string): string =>
  `http://${urlHost(address.host)}:${address.port}${pathAndQuery}`

/**
 * A follower's answer: 307 to the same path and query at the leader (307 keeps the method and
 * body, where 302 lets clients turn a PUT into a GET), or 503 while no leader is known.
 */
export const notLeader = (
  leader: NodeId | undefined,
  addresses: ReadonlyMap<NodeId, Address>,
  pathAndQuery: string
) => {
  const address = leader === undefined ? undefined : addresses.get(leader)
  if (leader === undefined || address === undefined) return unavailable("no leader is known yet; retry shortly")
  return errorResponse(307, `this node does not lead; the leader is ${leader}`, { location: urlOf(address, pathAndQuery) })
}
