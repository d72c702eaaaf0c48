import type { Operation } from "./operation.ts"
import { valueOf } from "./registerModel.ts"

/**
 * Real-time order between operations (Herlihy & Wing §2): A precedes B iff A answered
 * before B was invoked. An operation never answered precedes nothing, so its response
 * time is taken as infinite.
 */
export const respondedAt = (op: Operation): number =>
  op.outcome._tag === "Ok" ? op.outcome.respondedAt : Number.POSITIVE_INFINITY

export const precedes = (a: Operation, b: Operation): boolean => respondedAt(a) < b.invokedAt

/**
 * A total order on operations by invocation, tie-broken on every field, so that whatever
 * order the history arrives in, the checker sees (and shrinks) the same sequence.
 */
export const byInvocation = (a: Operation, b: Operation): number =>
  a.invokedAt - b.invokedAt ||
  a.id - b.id ||
  respondedAt(a) - respondedAt(b) ||
  compareText(a.client, b.client) ||
  compareText(a.kind, b.kind) ||
  compareText(valueOf(a), valueOf(b))

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
