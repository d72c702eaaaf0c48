/** Judging one hostile datagram's fate against what its category may do (categories.ts). */
import { isClusterInvariant, type Violation } from "../domain/raft/invariants/violation.ts"
import type { WireMessage } from "../domain/wire/messages.ts"
import type { Fate } from "./cluster.ts"
import type { Expectation } from "./categories.ts"

export const showViolation = (violation: Violation): string => `${violation.invariant} at ${violation.replica}: ${violation.detail}`

/** A stale message's sender learns our newer term, and is granted, acknowledged or sent nothing else. */
const isRefusal = (reply: WireMessage, request: WireMessage): boolean =>
  reply.dst === request.src &&
  "term" in reply &&
  "term" in request &&
  reply.term > request.term &&
  ((reply.type === "voted" && !reply.granted) || (reply.type === "appended" && !reply.success) || (reply.type === "installed" && !reply.done))

/**
 * What went wrong with one datagram's fate, if anything, given what its category may do. A
 * lie's own step may break a cluster invariant: that is what the lie achieved (`achieved`), not a fault.
 */
export const problemWith = (expectation: Expectation, fate: Exclude<Fate, { readonly _tag: "Crashed" }>): string | undefined => {
  if (fate._tag === "Rejected") {
    return expectation === "rejected" || expectation === "robust" ? undefined : `the generator made an undecodable datagram (${fate.reason})`
  }
  const type = fate.message.type
  if (expectation === "rejected") return `decoded a datagram that must be rejected, as ${type}`
  if ((expectation === "unchanged" || expectation === "refused") && !fate.unchanged) return `changed the state on a ${type} it must ignore`
  const answer = fate.sent.find((reply) => expectation === "unchanged" || (expectation === "refused" && !isRefusal(reply, fate.message)))
  if (answer !== undefined) return `answered a ${type} it must ignore with ${JSON.stringify(answer)}`
  const faults = fate.violations.filter((violation) => expectation !== "robust" || !isClusterInvariant(violation.invariant))
  return faults.length === 0 ? undefined : faults.map(showViolation).join("; ")
}

export const achieved = (expectation: Expectation, fate: Fate): ReadonlyArray<Violation> =>
  expectation === "robust" && fate._tag === "Stepped" ? fate.violations.filter((violation) => isClusterInvariant(violation.invariant)) : []
