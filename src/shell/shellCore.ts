import { Effect, Random } from "effect"
import { RandomStream } from "../domain/randomStream.ts"
import type { Output } from "../domain/raft/outputs.ts"
import type { RaftState } from "../domain/raft/state.ts"
import { wakeAt, type Input, type step } from "../domain/raft/step.ts"
import type { ShellEdge } from "./shellEdge.ts"

/**
 * After a step that threw on a timeout, how long a shell waits before trying the timeout
 * again: the state did not move, so its deadline is still due, and retrying at once would spin.
 */
const RETRY_AFTER_THROW_MS = 10

/**
 * The loop both replica shells run (replicaShell.ts, durable/durableShell.ts): holds the
 * current state, feeds it one input at a time to `reducer`, and hands each step's outputs to
 * `settle`, which performs them at once (the harness shell) or once the step is durable.
 * `advance` is a plain function over what was resolved here, so a datagram runs no Effect.
 */
export const shellCore = (
  edge: ShellEdge,
  start: (now: number, random: number) => RaftState,
  reducer: typeof step,
  settle: (outputs: ReadonlyArray<Output>) => void
) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    // Milliseconds straight from the Clock, with their fraction (PreciseClock.ts; virtual time in
    // the simulator). A round trip through nanoseconds would lose the last bits of a deadline
    // and leave a replica waking, forever, a hair before it.
    const now = () => clock.unsafeCurrentTimeMillis()
    // Election jitter from a generator seeded once by Effect's Random: seeded Random, same run.
    const stream = new RandomStream(yield* Random.nextInt)
    const draw = (): number => stream.float()

    let state = start(now(), draw())
    let wake = wakeAt(state)
    // A bug in the reducer must not take the replica down: the input is dropped, the state kept
    // as it was, and the failure logged (rate-limited per kind of input, as every report).
    const advance = (input: Input): void => {
      const at = now()
      let result: ReturnType<typeof step>
      try {
        result = reducer(state, input, { now: at, random: draw() })
      } catch (error) {
        const kind = input._tag === "Timeout" ? "timeout" : input.message.type
        const text = error instanceof Error ? error.message : String(error)
        edge.warn(`step-threw:${kind}`, `step threw on ${kind}, input dropped, state unchanged: ${text}`)
        if (input._tag === "Timeout") wake = Math.max(wake, at + RETRY_AFTER_THROW_MS)
        return
      }
      state = result.state
      wake = result.wakeAt
      settle(result.outputs)
    }

    return { state: (): RaftState => state, wakeAt: (): number => wake, advance }
  })
