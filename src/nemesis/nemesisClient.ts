import type { Operation } from "../domain/history/operation.ts"
import { attempt, type Attempt } from "./httpAttempt.ts"
import type { RandomStream } from "../domain/randomStream.ts"

/** How long one operation keeps retrying before its outcome is recorded as unknown: a few elections, a restart. */
const OPERATION_PATIENCE_MS = 10_000
const RETRY_PAUSE_MS = 100

/** Every client's operations, numbered and timed on one clock, as the linearizability checker takes them. */
export class HistoryRecorder {
  readonly operations: Array<Operation> = []
  private readonly started = performance.now()

  now(): number {
    return performance.now() - this.started
  }

  record(operation: Omit<Operation, "id">): void {
    this.operations.push({ id: this.operations.length, ...operation })
  }
}

export interface ClientOptions {
  readonly name: string
  readonly ownKeys: ReadonlyArray<string>
  readonly allKeys: ReadonlyArray<string>
  readonly urls: ReadonlyArray<string>
  readonly random: RandomStream
  readonly history: HistoryRecorder
  readonly stopped: () => boolean
}

/**
 * Retries one command, through whichever node last answered and then the others in turn, until
 * it is done or its patience runs out; `undefined` then: the command's outcome is unknown.
 */
export const persist = async (
  urls: ReadonlyArray<string>,
  preferred: string,
  key: string,
  command: Parameters<typeof attempt>[2],
  patienceMs = OPERATION_PATIENCE_MS
): Promise<Extract<Attempt, { _tag: "done" }> | undefined> => {
  const deadline = performance.now() + patienceMs
  let url = preferred
  while (performance.now() < deadline) {
    const result = await attempt(url, key, command)
    if (result._tag === "done") return result
    url = urls[(urls.indexOf(url) + 1) % urls.length] ?? preferred
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
  }
  return undefined
}

/**
 * One client until `stopped`: puts of its own keys (each with a new session sequence, so a
 * retry is applied once, and a value no other put writes) and gets of any key, one at a time.
 */
export const runClient = async (options: ClientOptions): Promise<void> => {
  let leader = (options.random.pick(options.urls) as string)
  for (let sequence = 1; !options.stopped(); sequence++) {
    const isPut = options.random.float() < 0.5
    const key = (options.random.pick(isPut ? options.ownKeys : options.allKeys) as string)
    const value = `${options.name}-${sequence}`
    const invokedAt = options.history.now()
    const result = await persist(
      options.urls,
      leader,
      key,
      isPut ? { kind: "put", value, client: options.name, sequence } : { kind: "get" }
    )
    const base = { client: options.name, key, invokedAt, ...(isPut ? { kind: "put" as const, value } : { kind: "get" as const }) }
    if (result === undefined) {
      options.history.record({ ...base, outcome: { _tag: "Unknown" } })
      continue
    }
    leader = result.leader
    const respondedAt = options.history.now()
    options.history.record({ ...base, outcome: isPut ? { _tag: "Ok", respondedAt } : { _tag: "Ok", respondedAt, value: result.value } })
  }
}
