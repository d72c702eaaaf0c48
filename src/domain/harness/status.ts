import type { Verdict } from "./result.ts"

/**
 * A run's verdict. "inconclusive" is neither a pass nor a fail: every check passed, but the
 * linearizability search ran out of budget, or nothing was answered that could be checked.
 */
export type RunStatus = "pass" | "fail" | "inconclusive"

export const runStatus = (correct: boolean, linearizability: Verdict): RunStatus =>
  !correct ? "fail" : linearizability._tag === "Inconclusive" ? "inconclusive" : "pass"

/** kvsim's exit codes (its usage text lists them). */
export const EXIT_CODES = { pass: 0, fail: 1, usage: 2, inconclusive: 3 } as const

/** Any failed run fails the whole; otherwise any inconclusive one makes it inconclusive. */
export const exitCodeOf = (statuses: ReadonlyArray<RunStatus>): number =>
  statuses.includes("fail") ? EXIT_CODES.fail : statuses.includes("inconclusive") ? EXIT_CODES.inconclusive : EXIT_CODES.pass
