import { existsSync, readFileSync, writeFileSync } from "node:fs"

// BENCHMARKS.md is written by more than one script (bench.mjs, soak.mjs), each owning its own
// `## ` sections; none may clobber the others'.
export const BENCHMARKS = "BENCHMARKS.md"

const isSectionHeading = (line) => line.startsWith("## ")

const bounds = (lines, title) => {
  const start = lines.indexOf(`## ${title}`)
  if (start === -1) return undefined
  let end = start + 1
  while (end < lines.length && !isSectionHeading(lines[end])) end++
  return { start, end }
}

/** The section `## title`, heading included, up to the next `## ` heading; undefined when there is none. */
export const readSection = (text, title) => {
  const lines = text.split("\n")
  const found = bounds(lines, title)
  return found === undefined ? undefined : `${lines.slice(found.start, found.end).join("\n").trimEnd()}\n`
}

/** `text` with the section `## title` replaced by `section` (which starts with that heading), or with it appended. */
export const withSection = (text, title, section) => {
  const lines = text.split("\n")
  const found = bounds(lines, title)
  const body = section.trimEnd().split("\n")
  if (found === undefined) return `${text.trimEnd()}\n\n${body.join("\n")}\n`
  const after = lines.slice(found.end)
  return [...lines.slice(0, found.start), ...body, ...(after.length > 0 ? ["", ...after] : [""])].join("\n")
}

/** Rewrites one section of BENCHMARKS.md and leaves the rest as it is. */
export const writeSection = (title, section) => {
  const text = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, "utf8") : "# Benchmarks\n"
  writeFileSync(BENCHMARKS, withSection(text, title, section))
}
