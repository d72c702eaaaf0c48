import { Either } from "effect"

export interface NemesisArgs {
  readonly minutes: number
  readonly clients: number
  readonly seed: number
}

export const usage = "usage: nemesis --minutes N [--clients C] [--seed S]   (defaults: 4 clients, a random seed)"

const FLAGS = ["--minutes", "--clients", "--seed"] as const

/** `--flag value` or `--flag=value`; every failure says what was wrong. */
export const parseNemesisArgs = (argv: ReadonlyArray<string>, randomSeed: number): Either.Either<NemesisArgs, string> => {
  const values = new Map<string, number>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined]
    if (!(FLAGS as ReadonlyArray<string>).includes(flag)) return Either.left(`unknown argument "${arg}"`)
    const text = inline ?? argv[++i] ?? ""
    const value = Number(text)
    if (text === "" || !Number.isFinite(value) || value < 0) return Either.left(`${flag} needs a non-negative number, got "${text}"`)
    values.set(flag, value)
  }
  const minutes = values.get("--minutes")
  if (minutes === undefined || minutes === 0) return Either.left("expected --minutes N, more than 0")
  const clients = values.get("--clients") ?? 4
  if (!Number.isInteger(clients) || clients < 1) return Either.left("--clients needs a whole number of at least 1")
  return Either.right({ minutes, clients, seed: Math.floor(values.get("--seed") ?? randomSeed) })
}
