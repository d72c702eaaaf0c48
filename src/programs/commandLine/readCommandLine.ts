import * as CliConfig from "@effect/cli/CliConfig"
import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Effect, Either, Layer } from "effect"
import { errorText, helpText, usageText } from "./helpText.ts"
import { leftoverReason, optionsOf, unknownOption } from "./strayWords.ts"

/** What a program's command line asks for, once @effect/cli has read it. */
export type CommandLine<A> =
  | { readonly _tag: "Run"; readonly value: A }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Version" }
  /** A usage mistake: `reason` says what was wrong, `usage` how the program is called. */
  | { readonly _tag: "Refused"; readonly reason: string; readonly usage: string }

/** Case-sensitive, as our hand-written parsers were: `--JSON` is not `--json`. */
const config = CliConfig.make({ isCaseSensitive: true, showBuiltIns: false })

/**
 * The library's built-ins that are not part of our programs' usage. `--wizard` asks for every
 * option interactively and ends by offering to start the command; `--log-level` re-runs it with
 * Effect's log level changed (in virtual mode, the in-process replicas' logs on stdout);
 * `--completions` prints a shell script. Each is refused as an unknown option.
 */
const REFUSED_BUILT_INS = { ShowWizard: "--wizard", SetLogLevel: "--log-level", ShowCompletions: "--completions" } as const

/** The parser asks for these services' types; only file options and prompts, which we do not use, would touch them. */
const parserServices = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/**
 * Reads `argv` (without node and the script) with @effect/cli's parser. The library's runner
 * (CliApp) is not used: it colours its help even into a pipe and keeps built-ins we refuse
 * (REFUSED_BUILT_INS). `--help`/`-h` anywhere gives the help of the (sub)command, with
 * `footer` after it; `--version` anywhere asks for the version. Otherwise a word shaped like
 * an option that the command does not take is refused wherever it stands. `resolve` applies
 * the rules between options that the parser does not know, and says which one was broken.
 */
export const readCommandLine = <A, B>(
  command: CommandDescriptor.Command<A>,
  argv: ReadonlyArray<string>,
  footer: string,
  resolve: (parsed: A) => Either.Either<B, string>
): Effect.Effect<CommandLine<B>> => {
  const [name] = CommandDescriptor.getNames(command)
  const usage = usageText(command, config)
  const options = optionsOf(command)
  const refused = (reason: string): CommandLine<B> => ({ _tag: "Refused", reason, usage })
  const stray = unknownOption(options, argv)
  return CommandDescriptor.parse(command, [name ?? "", ...argv], config).pipe(
    Effect.map((directive): CommandLine<B> => {
      if (directive._tag === "BuiltIn") {
        const builtIn = directive.option
        switch (builtIn._tag) {
          case "ShowHelp":
            return { _tag: "Help", text: helpText(usage, builtIn.helpDoc, footer) }
          case "ShowVersion":
            return { _tag: "Version" }
          default:
            return refused(`unknown option "${REFUSED_BUILT_INS[builtIn._tag]}"`)
        }
      }
      if (stray !== undefined) return refused(`unknown option "${stray}"`)
      const [head] = directive.leftover
      if (head !== undefined) return refused(leftoverReason(options, argv, head))
      return Either.match(resolve(directive.value), { onLeft: refused, onRight: (value) => ({ _tag: "Run", value }) })
    }),
    Effect.catchAll((error) => Effect.succeed(refused(stray === undefined ? errorText(error.error) : `unknown option "${stray}"`))),
    Effect.provide(parserServices)
  )
}
