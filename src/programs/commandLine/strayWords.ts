import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import type * as Usage from "@effect/cli/Usage"

/** Every option the command and its subcommands take, by name, and whether it takes a value. */
export const optionsOf = (command: CommandDescriptor.Command<unknown>): ReadonlyMap<string, boolean> => {
  const options = new Map<string, boolean>()
  const walk = (usage: Usage.Usage): void => {
    switch (usage._tag) {
      case "Named":
        for (const name of usage.names) if (name.startsWith("-")) options.set(name, usage.acceptedValues._tag === "Some")
        return
      case "Optional":
      case "Repeated":
        return walk(usage.usage)
      case "Alternation":
      case "Concat":
        walk(usage.left)
        return walk(usage.right)
      default:
        return
    }
  }
  walk(CommandDescriptor.getUsage(command))
  for (const [, sub] of CommandDescriptor.getSubcommands(command)) walk(CommandDescriptor.getUsage(sub))
  return options
}

/**
 * The first word shaped like an option that names none of `options`, wherever it stands; the
 * word after an option that takes a value is that value, as the parser reads it. The parser
 * would take such a word as a positional argument, or report only the mistake it causes (a
 * required option "missing"), so it is looked for first.
 */
export const unknownOption = (options: ReadonlyMap<string, boolean>, argv: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? ""
    if (word === "--") return undefined
    const takesValue = options.get(word.split("=")[0] ?? "")
    if (takesValue === undefined && word.startsWith("-")) return word
    if (takesValue === true && !word.includes("=")) i++
  }
  return undefined
}

/**
 * Why the parser left `head` behind once every word was known: a positional argument too
 * many, or an option given twice or without its value.
 */
export const leftoverReason = (options: ReadonlyMap<string, boolean>, argv: ReadonlyArray<string>, head: string): string => {
  const takesValue = options.get(head)
  if (takesValue === undefined) return `unexpected argument "${head}"`
  const given = argv.filter((word) => word === head || word.startsWith(`${head}=`)).length
  return given > 1 ? `${head} may be given only once` : takesValue ? `${head} needs a value` : `unexpected argument "${head}"`
}
