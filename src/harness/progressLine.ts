import type { RunProgress } from "./real.ts"

/** Without a terminal (CI logs), a line every this many seconds is plenty. */
const LOG_EVERY_MS = 10_000

const line = (name: string, p: RunProgress): string =>
  `${name}: ${(p.elapsedMs / 1000).toFixed(0)}/${(p.totalMs / 1000).toFixed(0)} s, ` +
  `requests ${p.requestsStarted}/${p.requestsTotal} sent, ${p.requestsCompleted} answered, ${p.totalMsgs} msgs`

/**
 * A progress display on stderr for a real run: rewritten in place on a terminal, sparse lines
 * otherwise. `clear` removes the in-place line before results are printed.
 */
export const progressReporter = (name: string, stream: NodeJS.WriteStream) => {
  let lastLoggedMs = -LOG_EVERY_MS
  return {
    update: (p: RunProgress): void => {
      if (stream.isTTY) {
        stream.write(`\r${line(name, p)}\x1b[K`)
      } else if (p.elapsedMs - lastLoggedMs >= LOG_EVERY_MS) {
        lastLoggedMs = p.elapsedMs
        stream.write(`${line(name, p)}\n`)
      }
    },
    clear: (): void => {
      if (stream.isTTY) stream.write("\r\x1b[K")
    }
  }
}
