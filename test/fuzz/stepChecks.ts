import { isDeepStrictEqual } from "node:util"
import { Either } from "effect"
import { entryAt, lastIndex } from "../../src/domain/raft/log/log.ts"
import type { RaftState } from "../../src/domain/raft/state.ts"
import type { Input, Step } from "../../src/domain/raft/step.ts"
import { decodeDatagram, encodeMessage, MAX_DATAGRAM_BYTES } from "../../src/domain/wire/decode.ts"
import type { Entry } from "../../src/domain/wire/messages.ts"

/**
 * What must survive any input, even a lie from a peer: terms and commit indexes never go
 * back, the last committed entry stays as it was, the timer never stays due, and everything
 * sent is a well-formed datagram from this replica that its peers (and the harness) will
 * decode to the same message.
 */
export const robustnessViolation = (before: RaftState, input: Input, result: Step, now: number): string | undefined => {
  const after = result.state
  const self = before.config.self
  if (after.term < before.term) return `term went back ${before.term} -> ${after.term}`
  if (after.commitIndex < before.commitIndex) return `commitIndex went back ${before.commitIndex} -> ${after.commitIndex}`
  if (!committedPrefixIntact(before, after)) return `committed entry ${before.commitIndex} rewritten to ${JSON.stringify(entryAt(after.log, before.commitIndex))}`
  if (input._tag === "Timeout" && !(Number.isFinite(result.wakeAt) && result.wakeAt > now)) {
    return `timer still due at ${result.wakeAt} after firing at ${now}`
  }
  for (const output of result.outputs) {
    if (output._tag !== "Send") continue
    const text = encodeMessage(output.message)
    if (output.message.src !== self) return `sent a datagram as ${output.message.src}`
    if (Buffer.byteLength(text) > MAX_DATAGRAM_BYTES) return `sent ${Buffer.byteLength(text)} bytes`
    const decoded = decodeDatagram(text)
    if (Either.isLeft(decoded) || !isDeepStrictEqual(decoded.right, output.message)) return `sent a datagram that does not decode to itself: ${text.slice(0, 200)}`
  }
  return undefined
}

/**
 * Raft's guarantees at one replica, which hold as long as its peers are not Byzantine: a vote
 * stands for the whole term (§5.2), the commit index stays within the log, and a committed
 * entry never changes (State Machine Safety, §5.4.3), here checked against `agreed`, the
 * entry each index held when the first replica committed it — so replicas also agree.
 *
 * Checking the whole prefix every step would be quadratic; a truncation rewrites everything
 * from the first conflict on, so it always reaches the last committed entry, which is checked
 * every step, along with one committed index drawn by `probe`. Entries compacted into the
 * snapshot are no longer in the log: only the snapshot's last term can still be compared.
 */
export const safetyViolation = (before: RaftState, after: RaftState, agreed: Array<Entry>, probe: number): string | undefined => {
  if (after.term === before.term && before.votedFor !== undefined && after.votedFor !== before.votedFor) {
    return `voted twice in term ${after.term}: ${before.votedFor} then ${after.votedFor}`
  }
  if (after.commitIndex > lastIndex(after.log)) return `commitIndex ${after.commitIndex} past the log end ${lastIndex(after.log)}`
  const base = after.log.base
  if (base > 0 && agreed[base] !== undefined && agreed[base].term !== after.log.baseTerm) {
    return `snapshot through ${base} ends in term ${after.log.baseTerm}, where the committed entry has term ${agreed[base].term}`
  }
  for (const i of [before.commitIndex, 1 + Math.floor(probe * before.commitIndex)]) {
    if (i <= base || i > before.commitIndex) continue
    if (!sameEntry(entryAt(after.log, i), agreed[i])) return `committed entry ${i} changed to ${JSON.stringify(entryAt(after.log, i))}`
  }
  for (let i = Math.max(before.commitIndex, base) + 1; i <= after.commitIndex; i++) {
    const entry = entryAt(after.log, i)
    const first = agreed[i]
    if (first === undefined) agreed[i] = entry as Entry
    else if (!sameEntry(entry, first)) return `commits ${JSON.stringify(entry)} at ${i}, where another replica committed ${JSON.stringify(first)}`
  }
  return undefined
}

/**
 * Whether the last committed entry is still there as it was (or compacted into the snapshot).
 * A rewrite truncates everything from its first conflict on, so it always reaches this entry.
 */
const committedPrefixIntact = (before: RaftState, after: RaftState): boolean =>
  before.commitIndex <= after.log.base ||
  sameEntry(entryAt(after.log, before.commitIndex), entryAt(before.log, before.commitIndex))

const sameEntry = (a: Entry | undefined, b: Entry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.term === b.term && a.key === b.key && a.value === b.value && a.client === b.client && a.MID === b.MID)
