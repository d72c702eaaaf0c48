/**
 * A seeded pseudo-random generator as a pure value (SplitMix32 step), so that the
 * harness core and the simulator stay deterministic: the caller threads the state.
 */
export interface Prng {
  readonly state: number
}

export const seeded = (seed: number): Prng => ({ state: seed >>> 0 })

/** A draw in [0, 1) and the generator to use next. */
export const next = (prng: Prng): readonly [number, Prng] => {
  const state = (prng.state + 0x9e3779b9) >>> 0
  let z = state
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  z = (z ^ (z >>> 16)) >>> 0
  return [z / 0x1_0000_0000, { state }]
}

/** An integer in [0, bound). */
export const nextInt = (prng: Prng, bound: number): readonly [number, Prng] => {
  const [u, rest] = next(prng)
  return [Math.floor(u * bound), rest]
}
