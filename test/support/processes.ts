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
