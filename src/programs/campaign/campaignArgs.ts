import * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import * as Options from "@effect/cli/Options"
import { Effect, Either } from "effect"
import { type CommandLine, readCommandLine } from "../commandLine/readCommandLine.ts"
import { type SeedRange, seedRangeOption } from "../commandLine/seedOptions.ts"

export interface CampaignArgs {
  readonly seeds: SeedRange
  readonly configsDir: string
}

const campaignCommand = CommandDescriptor.make(
  "campaign",
  Options.all({
    seeds: seedRangeOption.pipe(Options.withDescription("one run per seed from A to B; the seed picks the config and the faults")),
    configs: Options.text("configs").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("where the standard configs are (default configs)"),
      Options.withDefault("configs")
    )
  })
).pipe(
  CommandDescriptor.withDescription(
    "The deterministic fault campaign: each seed lays a generated schedule of faults over a standard config and runs it " +
      "in virtual mode, with the Raft invariants checked after every replica step and linearizability at the end. " +
      "A safety failure is shrunk and printed with the command that replays it."
  )
)

const footer = ["EXIT STATUS", "", "0 no invariant or linearizability violation, 1 some violation, 2 usage error"].join("\n")

/** Reads the campaign's argv; every usage mistake says what was wrong. */
export const parseArgs = (argv: ReadonlyArray<string>): Effect.Effect<CommandLine<CampaignArgs>> =>
  readCommandLine(campaignCommand, argv, footer, ({ options }) => Either.right({ seeds: options.seeds, configsDir: options.configs }))
