/** 0 = bonus, 1 = full, 2 = partial, 3 = none. */
export type Tier = 0 | 1 | 2 | 3

export const TIER_NAMES: Readonly<Record<Tier, string>> = { 0: "bonus", 1: "full", 2: "partial", 3: "none" }

export type Thresholds = readonly [bonus: number, full: number, partial: number]

/**
 * SIMULATOR.md's rule, strict at every edge: a value equal to a threshold falls in the worse
 * tier. A metric with no value (a median without samples) earns nothing.
 */
export const tierOf = (value: number | undefined, [bonus, full, partial]: Thresholds): Tier =>
  value === undefined ? 3 : value < bonus ? 0 : value < full ? 1 : value < partial ? 2 : 3
