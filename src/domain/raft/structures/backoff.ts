/**
 * Asking again on a doubling clock, a bounded number of times: a (pre-)candidate's vote
 * requests (election.ts) and a follower's probes of its leader (probing.ts). A request or its
 * answer may be lost; a peer silent through every ask is down or cut off, and asking it on
 * would cost messages for nothing.
 */
export interface Backoff {
  readonly askAgainAt: number
  readonly gap: number
  readonly asksLeft: number
}

export const firstBackoff = (now: number, gap: number, asks: number): Backoff => ({ askAgainAt: now + gap, gap, asksLeft: asks })

/** The clock after asking again at `now`: the gap doubles, and with no ask left it never rings. */
export const backedOff = (backoff: Backoff, now: number): Backoff => {
  const gap = backoff.gap * 2
  const asksLeft = backoff.asksLeft - 1
  return { askAgainAt: asksLeft > 0 ? now + gap : Number.POSITIVE_INFINITY, gap, asksLeft }
}
