import { ITEMS_BUDGET_BYTES, jsonBytes } from "../../wire/datagramSize.ts"
import type { Install } from "../../wire/messages.ts"
import { addRecent, recentItems } from "../structures/recentSet.ts"
import { emptyStateMachine, type StateMachine } from "./stateMachine.ts"

/**
 * A state machine laid out flat, ready to be sent in chunks (§7): its key/value pairs, then
 * the requests (client and MID) of the puts it applied, older generation first. Adding them
 * back in this order rebuilds the same two generations, so a replica that installs the
 * snapshot forgets an old request exactly when the replica that sent it does, and never
 * applies a remembered one twice.
 * Laid out once per compaction, so each chunk is a slice rather than a walk over the map.
 */
export interface SnapshotImage {
  readonly pairs: ReadonlyArray<readonly [string, string]>
  readonly mids: ReadonlyArray<string>
}

export const imageOf = (machine: StateMachine): SnapshotImage => ({
  pairs: machine.data.entries(),
  mids: recentItems(machine.applied)
})

export const emptyImage: SnapshotImage = imageOf(emptyStateMachine())

const itemCount = (image: SnapshotImage): number => image.pairs.length + image.mids.length

const itemAt = (image: SnapshotImage, position: number): unknown =>
  position < image.pairs.length ? image.pairs[position] : image.mids[position - image.pairs.length]

export type Chunk = Pick<Install, "offset" | "pairs" | "mids" | "done">

/**
 * The items from `offset` on, as many as fit in one datagram, and always at least one so a
 * transfer moves: no single item can exceed the budget, since a pair or a MID is smaller than
 * the log entry that put it there, and the leader never appends an entry that does not fit.
 */
export const chunkAt = (image: SnapshotImage, offset: number): Chunk => {
  const total = itemCount(image)
  const start = Math.min(offset, total)
  let end = start
  let bytes = 0
  while (end < total) {
    const size = jsonBytes(itemAt(image, end)) + 1
    if (end > start && bytes + size > ITEMS_BUDGET_BYTES) break
    bytes += size
    end++
  }
  const split = image.pairs.length
  return {
    offset: start,
    pairs: image.pairs.slice(Math.min(start, split), Math.min(end, split)),
    mids: image.mids.slice(Math.max(start - split, 0), Math.max(end - split, 0)),
    done: end === total
  }
}

/**
 * The state machine as of a committed entry (`index`, `term`), held by reference: capturing it
 * costs nothing, since the map and the MID sets are persistent. Laying it out at the next
 * compaction reroots them back to it and the next step forward again (persistentMap.ts): two
 * walks over the interval's updates, once per interval.
 */
export interface Checkpoint {
  readonly index: number
  readonly term: number
  readonly machine: StateMachine
}

export const initialCheckpoint = (machine: StateMachine): Checkpoint => ({ index: 0, term: 0, machine })

/** A snapshot a follower is receiving from the leader of `term`, built up chunk by chunk. */
export interface IncomingSnapshot {
  readonly term: number
  readonly lastIndex: number
  readonly lastTerm: number
  /** Items received so far: the next chunk must start here. */
  readonly offset: number
  readonly machine: StateMachine
}

export const startIncoming = (install: Install): IncomingSnapshot => ({
  term: install.term,
  lastIndex: install.lastIndex,
  lastTerm: install.lastTerm,
  offset: 0,
  machine: emptyStateMachine()
})

/** Whether `install` is a chunk of the snapshot `incoming` is receiving (at any offset). */
export const isPartOf = (install: Install, incoming: IncomingSnapshot | undefined): incoming is IncomingSnapshot =>
  incoming !== undefined &&
  incoming.term === install.term &&
  incoming.lastIndex === install.lastIndex &&
  incoming.lastTerm === install.lastTerm

export const addChunk = (incoming: IncomingSnapshot, chunk: Chunk): IncomingSnapshot => {
  let data = incoming.machine.data
  for (const [key, value] of chunk.pairs) data = data.set(key, value)
  let applied = incoming.machine.applied
  for (const mid of chunk.mids) applied = addRecent(applied, mid)
  return {
    term: incoming.term,
    lastIndex: incoming.lastIndex,
    lastTerm: incoming.lastTerm,
    offset: incoming.offset + chunk.pairs.length + chunk.mids.length,
    machine: { data, applied }
  }
}
