import { Effect } from "effect"
import type { CommandLine } from "./readCommandLine.ts"
import { packageVersion } from "./packageVersion.ts"

export const versionLine = (program: string): string => `${program} ${packageVersion()}`

/** What a refused command line prints on stderr: what was wrong, then how the program is called. */
export const refusal = (program: string, refused: { readonly reason: string; readonly usage: string }): string =>
  `${program}: ${refused.reason}\n${refused.usage}\n(add --help to see every option)`

/**
 * A plain script's arguments. On --help or --version it prints the answer and exits 0; on a
 * usage mistake it prints the refusal and exits 2, before the script starts any work.
 */
export const argsOrExit = async <A>(program: string, commandLine: Effect.Effect<CommandLine<A>>): Promise<A> => {
  const line = await Effect.runPromise(commandLine)
  switch (line._tag) {
    case "Run":
      return line.value
    case "Help":
      process.stdout.write(`${line.text}\n`)
      return process.exit(0)
    case "Version":
      process.stdout.write(`${versionLine(program)}\n`)
      return process.exit(0)
    case "Refused":
      process.stderr.write(`${refusal(program, line)}\n`)
      return process.exit(2)
  }
}
