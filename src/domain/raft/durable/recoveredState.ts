import type { NodeId } from "../../ids.ts"
import type { Entry } from "../../wire/messages.ts"
import type { Log } from "../log/log.ts"
import { emptyImage, type SnapshotImage } from "../log/snapshot.ts"
import { emptyStateMachine, type StateMachine } from "../log/stateMachine.ts"
import { addRecent } from "../structures/recentSet.ts"
import { initialState, stateWith, type ClusterConfig, type RaftState } from "../state.ts"
import type { DurableSnapshot } from "./durableChanges.ts"

/** Raft's persistent state as a replica finds it again when it restarts. */
export interface DurableImage {
  readonly term: number
  readonly votedFor: NodeId | undefined
  readonly snapshot: DurableSnapshot | undefined
  /** The log after the snapshot (from index 1 without one), contiguous. */
  readonly entries: ReadonlyArray<Entry>
}

/**
 * The state machine a snapshot image lays out, rebuilt as a follower installing it rebuilds
 * it (snapshot.ts, `addChunk`): the applied requests added back in order give the same two
 * generations.
 */
const machineOf = (image: SnapshotImage): StateMachine => {
  const empty = emptyStateMachine()
  let data = empty.data
  for (const [key, value] of image.pairs) data = data.set(key, value)
  let applied = empty.applied
  for (const mid of image.mids) applied = addRecent(applied, mid)
  return { data, applied }
}

/**
 * The state a replica restarts in: a follower of its last term, with its vote, its snapshot
 * applied and its log after it. Only the snapshot is known to be committed, so the commit
 * index starts there; the entries after it are applied again as a leader shows them committed.
 */
export const recoveredState = (config: ClusterConfig, durable: DurableImage, now: number, random: number): RaftState => {
  const fresh = initialState(config, now, random)
  const { snapshot } = durable
  const base = snapshot?.index ?? 0
  const baseTerm = snapshot?.term ?? 0
  const log: Log = { base, baseTerm, entries: durable.entries }
  const image = snapshot?.image ?? emptyImage
  const machine = snapshot === undefined ? fresh.machine : machineOf(image)
  return stateWith(fresh, {
    term: durable.term,
    votedFor: durable.votedFor,
    log,
    commitIndex: base,
    machine,
    snapshot: image,
    checkpoint: { index: base, term: baseTerm, machine }
  })
}
