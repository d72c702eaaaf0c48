/** The order SIMULATOR.md runs the standard configs in: by category, then by number. */
const CATEGORIES = ["simple", "unreliable", "crash", "partition", "advanced"] as const

const STANDARD = /^(simple|unreliable|crash|partition|advanced)-(\d+)\.json$/

/** The standard configs among `fileNames`, in suite order; anything else in the directory is not part of `all`. */
export const standardSuite = (fileNames: ReadonlyArray<string>): ReadonlyArray<string> =>
  fileNames
    .flatMap((file) => {
      const match = STANDARD.exec(file)
      if (match === null) return []
      const category = CATEGORIES.indexOf(match[1] as (typeof CATEGORIES)[number])
      return [{ file, category, number: Number(match[2]) }]
    })
    .sort((a, b) => a.category - b.category || a.number - b.number)
    .map(({ file }) => file)
