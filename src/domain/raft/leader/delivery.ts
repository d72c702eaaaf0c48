/**
 * The leader's running estimate of how many acknowledged appends get their answer: a count
 * of those sent and those answered over roughly the last `WINDOW` (both halve when the window
 * fills, so older traffic fades). It decides how widely a new put is sent (leader.ts).
 */
export interface Delivery {
  readonly sent: number
  readonly answered: number
}

const WINDOW = 128
/** Too few sends to say anything yet: a new leader starts by assuming the network is fine. */
const MIN_SAMPLE = 32
/**
 * Below this answered fraction a put goes to every follower. A round trip survives two drops:
 * (1 − d)², 0.72 at the unreliable configs' 15% and 0.49 at advanced-3's 30%. Over a window of
 * ≈ 96 sends the estimate's spread is ≈ 0.05, so 0.58 sits two to three spreads from both.
 */
const LOSSY_BELOW = 0.58

export const noDelivery: Delivery = { sent: 0, answered: 0 }

export const countSent = (d: Delivery): Delivery =>
  d.sent + 1 >= WINDOW ? { sent: (d.sent + 1) / 2, answered: d.answered / 2 } : { sent: d.sent + 1, answered: d.answered }

/** Capped at `sent`: an answer to an append sent before this estimate began must not push it over 1. */
export const countAnswered = (d: Delivery): Delivery => ({ sent: d.sent, answered: Math.min(d.sent, d.answered + 1) })

export const isLossy = (d: Delivery): boolean => d.sent >= MIN_SAMPLE && d.answered / d.sent < LOSSY_BELOW
