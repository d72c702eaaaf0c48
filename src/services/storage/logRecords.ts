import { ByteReader, ByteWriter } from "./bytes.ts"
import type { HardState, LogEntry } from "./Storage.ts"

/**
 * The records of the log, one per write. Truncation is a record too, not a rewrite: the
 * segments are only ever appended to, so no acknowledged byte is overwritten, and a crash
 * can tear only the last write. Each segment opens with a Header that carries the hard state
 * and the last index as of its creation, so older segments can be removed without losing
 * the vote they recorded, and replay can start from any segment.
 */
export type LogRecord =
  | { readonly _tag: "Header"; readonly lastIndex: number; readonly hardState: HardState }
  | { readonly _tag: "HardState"; readonly hardState: HardState }
  | { readonly _tag: "Entries"; readonly entries: ReadonlyArray<LogEntry> }
  | { readonly _tag: "Truncate"; readonly from: number }

export const FORMAT_VERSION = 1

const HEADER = 1
const HARD_STATE = 2
const ENTRIES = 3
const TRUNCATE = 4

const utf8 = new TextEncoder()
const text = new TextDecoder("utf-8", { fatal: true })

const hardStateBytes = (hardState: HardState) => {
  const vote = hardState.votedFor === undefined ? undefined : utf8.encode(hardState.votedFor)
  const writer = new ByteWriter(8 + 1 + (vote === undefined ? 0 : 2 + vote.length)).u53(hardState.term)
  return (vote === undefined ? writer.u8(0) : writer.u8(1).u16(vote.length).raw(vote)).bytes
}

export const encodeRecord = (record: LogRecord): Uint8Array => {
  switch (record._tag) {
    case "Header": {
      const hardState = hardStateBytes(record.hardState)
      return new ByteWriter(1 + 2 + 8 + hardState.length).u8(HEADER).u16(FORMAT_VERSION).u53(record.lastIndex).raw(hardState).bytes
    }
    case "HardState": {
      const hardState = hardStateBytes(record.hardState)
      return new ByteWriter(1 + hardState.length).u8(HARD_STATE).raw(hardState).bytes
    }
    case "Entries": {
      let size = 1 + 8 + 4
      for (const entry of record.entries) size += 8 + 4 + entry.payload.length
      const writer = new ByteWriter(size).u8(ENTRIES).u53(record.entries[0]?.index ?? 0).u32(record.entries.length)
      for (const entry of record.entries) writer.u53(entry.term).u32(entry.payload.length).raw(entry.payload)
      return writer.bytes
    }
    case "Truncate":
      return new ByteWriter(1 + 8).u8(TRUNCATE).u53(record.from).bytes
  }
}

const readHardState = (reader: ByteReader): HardState | string => {
  const term = reader.u53()
  const voted = reader.u8()
  if (voted === 0) return { term, votedFor: undefined }
  if (voted !== 1) return `vote flag ${voted}`
  try {
    return { term, votedFor: text.decode(reader.raw(reader.u16())) }
  } catch {
    return "votedFor is not UTF-8"
  }
}

const readEntries = (reader: ByteReader): LogRecord | string => {
  const first = reader.u53()
  const count = reader.u32()
  if (first === 0 || count === 0) return `an entries record from index ${first} with ${count} entries`
  const entries: Array<LogEntry> = []
  // Payloads are copied out, or each would keep its whole segment's buffer alive.
  for (let i = 0; i < count && !reader.malformed; i++) {
    const term = reader.u53()
    entries.push({ index: first + i, term, payload: new Uint8Array(reader.raw(reader.u32())) })
  }
  return { _tag: "Entries", entries }
}

/** The record a body holds, or why it holds none (a checksum passed, so this is damage or a foreign file). */
export const decodeRecord = (body: Uint8Array): LogRecord | string => {
  const reader = new ByteReader(body)
  const type = reader.u8()
  let record: LogRecord | string
  switch (type) {
    case HEADER: {
      const version = reader.u16()
      if (version !== FORMAT_VERSION) return `format version ${version}, this build reads ${FORMAT_VERSION}`
      const lastIndex = reader.u53()
      const hardState = readHardState(reader)
      record = typeof hardState === "string" ? hardState : { _tag: "Header", lastIndex, hardState }
      break
    }
    case HARD_STATE: {
      const hardState = readHardState(reader)
      record = typeof hardState === "string" ? hardState : { _tag: "HardState", hardState }
      break
    }
    case ENTRIES:
      record = readEntries(reader)
      break
    case TRUNCATE: {
      const from = reader.u53()
      record = from === 0 ? "truncation from index 0" : { _tag: "Truncate", from }
      break
    }
    default:
      return `unknown record type ${type}`
  }
  if (reader.malformed) return "the body is shorter than its fields"
  if (reader.remaining > 0) return `${reader.remaining} bytes after the record's fields`
  return record
}
