import type * as CliConfig from "@effect/cli/CliConfig"
import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import type { Span } from "@effect/cli/HelpDoc/Span"
import * as Usage from "@effect/cli/Usage"
import * as Doc from "@effect/printer/Doc"
import { Array as Arr } from "effect"

/** Plain text: the library's own renderer colours its output even into a pipe or a file. */
const plain = (doc: HelpDoc.HelpDoc): string => Doc.render(HelpDoc.toAnsiDoc(doc), { style: "pretty" }).trim()

/** A block without its first paragraph, when something follows it. */
const withoutLead = (block: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  if (block._tag !== "Sequence") return block
  if (block.left._tag === "Paragraph") return HelpDoc.isEmpty(block.right) ? block : block.right
  return HelpDoc.sequence(withoutLead(block.left), block.right)
}

/**
 * The library opens each option's and argument's entry with a sentence on its type ("A
 * user-defined piece of text."); ours say what the value is, so that sentence goes.
 */
const withoutTypeSentences = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  switch (doc._tag) {
    case "Sequence":
      return HelpDoc.sequence(withoutTypeSentences(doc.left), withoutTypeSentences(doc.right))
    case "DescriptionList":
      return HelpDoc.descriptionList(Arr.map(doc.definitions, ([span, block]): [Span, HelpDoc.HelpDoc] => [span, withoutLead(block)]))
    default:
      return doc
  }
}

/**
 * `usage: …`, one line per way to call the program: one per subcommand, if it has any, by name,
 * since the library hands them over in a hash map, whose order says nothing.
 */
export const usageText = (command: CommandDescriptor.Command<unknown>, config: CliConfig.CliConfig): string => {
  const [name] = CommandDescriptor.getNames(command)
  const subcommands = [...CommandDescriptor.getSubcommands(command)].filter(([sub]) => sub !== name).sort(([a], [b]) => a.localeCompare(b))
  const prefix = subcommands.length === 0 ? "" : `${name} `
  const lines = (subcommands.length === 0 ? [command] : subcommands.map(([, sub]) => sub)).flatMap((each) =>
    Usage.enumerate(CommandDescriptor.getUsage(each), config).map((span) => `${prefix}${plain(HelpDoc.p(span))}`)
  )
  return lines.map((line, i) => `${i === 0 ? "usage:" : "      "} ${line}`).join("\n")
}

/** The help @effect/cli made for a (sub)command, as plain text between the usage and `footer`. */
export const helpText = (usage: string, doc: HelpDoc.HelpDoc, footer: string): string =>
  [usage, plain(withoutTypeSentences(doc)), footer].filter((part) => part.length > 0).join("\n\n")

/** A parse error's text. */
export const errorText = (doc: HelpDoc.HelpDoc): string => plain(doc)
