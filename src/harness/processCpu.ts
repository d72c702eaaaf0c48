import { readFileSync } from "node:fs"

/** Linux reports process times in USER_HZ ticks, 100 a second on every architecture it supports. */
const TICKS_PER_SECOND = 100

/**
 * User + system CPU time (ms) from a `/proc/<pid>/stat` line. The command name, in parentheses,
 * may itself hold spaces and parentheses, so fields are counted from the last `)`: utime and
 * stime are fields 14 and 15 of the line, the 12th and 13th after it.
 */
export const parseCpuMillis = (stat: string): number | undefined => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const ticks = Number(fields[11]) + Number(fields[12])
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined
}

/** A process's CPU time so far, or undefined where there is no /proc (not Linux) or no such process. */
export const processCpuMillis = (pid: number): number | undefined => {
  try {
    return parseCpuMillis(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return undefined
  }
}
