// The command line of a script: `--help` prints its usage and exits 0; an unknown flag, a flag
// without its value or a stray argument is refused with the usage and exit 2, before any work.

/**
 * `spec.valued`: flags that take a value; `spec.switches`: flags that take none;
 * `spec.positional`: whether plain arguments are taken. Returns the values by flag name
 * (without dashes), the switches given and the plain arguments, as `{ values, switches, rest }`.
 */
export const scriptArgs = (usage, spec, argv = process.argv.slice(2)) => {
  const refuse = (reason) => {
    process.stderr.write(`${reason}\n\n${usage}\n`)
    process.exit(2)
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const values = {}
  const switches = new Set()
  const rest = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if ((spec.valued ?? []).includes(arg)) {
      if (argv[i + 1] === undefined) refuse(`${arg} needs a value`)
      values[arg.slice(2)] = argv[++i]
    } else if ((spec.switches ?? []).includes(arg)) {
      switches.add(arg.slice(2))
    } else if (spec.positional === true && !arg.startsWith("-")) {
      rest.push(arg)
    } else {
      refuse(arg.startsWith("-") ? `unknown option "${arg}"` : `unexpected argument "${arg}"`)
    }
  }
  return { values, switches, rest }
}
