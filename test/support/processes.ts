import { readdirSync, readFileSync } from "node:fs"

export interface ProcessInfo {
  readonly pid: number
  readonly args: ReadonlyArray<string>
}

const readOrUndefined = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return undefined // the process exited while we looked
  }
}

/**
 * Whether `pid` is a living process (from /proc, Linux only). A killed process that nobody has
 * reaped yet is a zombie: it is dead, though signalling it still succeeds.
 */
export const isRunning = (pid: number): boolean => {
  const stat = readOrUndefined(`/proc/${pid}/stat`)
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
}

/** Living processes whose parent is `parent` (from /proc, Linux only). */
export const childrenOf = (parent: number): ReadonlyArray<ProcessInfo> =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      const stat = readOrUndefined(`/proc/${entry}/stat`)
      // The command name in parentheses may hold spaces; the fields after it do not.
      const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (fields === undefined || Number(fields[1]) !== parent || fields[0] === "Z") return []
      const args = (readOrUndefined(`/proc/${entry}/cmdline`) ?? "").split("\0").filter((arg) => arg !== "")
      return [{ pid: Number(entry), args }]
    })
