import { type Context, Effect, Schema } from "effect"
import { isNodeId } from "../../domain/ids.ts"
import type { DurableChanges } from "../../domain/raft/durable/durableChanges.ts"
import type { DurableImage } from "../../domain/raft/durable/recoveredState.ts"
import { Entry } from "../../domain/wire/messages.ts"
import type { Recovered, Storage } from "../../services/storage/Storage.ts"

/**
 * The domain's entries and snapshot images as the store's payloads: JSON by their Schemas, in
 * UTF-8. The entry is the wire Schema, so a field renamed there is renamed here too (a store
 * written before such a rename would need a migration; the store itself never reads payloads).
 */
const EntryJson = Schema.parseJson(Entry)
const encodeEntry = Schema.encodeSync(EntryJson)
const decodeEntry = Schema.decodeUnknownSync(EntryJson)

const SnapshotImageJson = Schema.parseJson(
  Schema.Struct({ pairs: Schema.Array(Schema.Tuple(Schema.String, Schema.String)), mids: Schema.Array(Schema.String) })
)
const encodeImage = Schema.encodeSync(SnapshotImageJson)
const decodeImage = Schema.decodeUnknownSync(SnapshotImageJson)

const utf8 = new TextEncoder()
const text = new TextDecoder("utf-8", { fatal: true })

/**
 * Writes `changes` in their order (durableChanges.ts), each call after the previous one is
 * durable: a snapshot must be on disk before the store lets the prefix go or takes entries past
 * its old log, and the common step writes one thing only (appended entries, or a vote).
 */
export const writeChanges = (storage: Context.Tag.Service<typeof Storage>, changes: DurableChanges) =>
  Effect.gen(function* () {
    if (changes.hardState !== undefined) yield* storage.saveHardState(changes.hardState)
    if (changes.truncateFrom !== undefined) yield* storage.truncateFrom(changes.truncateFrom)
    if (changes.snapshot !== undefined) {
      const { index, term, image } = changes.snapshot
      yield* storage.saveSnapshot({ lastIncludedIndex: index, lastIncludedTerm: term, data: utf8.encode(encodeImage(image)) })
      yield* storage.dropPrefix(index)
    }
    if (changes.entries.length > 0) {
      yield* storage.append(
        changes.entries.map((entry, offset) => ({ index: changes.from + offset, term: entry.term, payload: utf8.encode(encodeEntry(entry)) }))
      )
    }
  })

/**
 * What the store recovered, as the domain reads it. A payload that does not decode was not
 * written by this program (or by a version with other entry fields): the node refuses to start
 * rather than guess.
 */
export const decodeRecovered = (recovered: Recovered): DurableImage => {
  const { votedFor } = recovered.hardState
  if (votedFor !== undefined && !isNodeId(votedFor)) throw new Error(`the stored vote "${votedFor}" is not a node id`)
  const snapshot = recovered.snapshot
  return {
    term: recovered.hardState.term,
    votedFor,
    snapshot:
      snapshot === undefined
        ? undefined
        : { index: snapshot.lastIncludedIndex, term: snapshot.lastIncludedTerm, image: decodeImage(text.decode(snapshot.data)) },
    entries: recovered.entries.map((entry) => decodeEntry(text.decode(entry.payload)))
  }
}
