import { crc32 } from "node:zlib"
import { ByteWriter } from "./bytes.ts"

/**
 * A frame wraps one record: body length (u32), CRC-32 of the body (u32), CRC-32 of those
 * eight bytes (u32), then the body. The header's own checksum is what tells a torn tail from
 * damage: a length that passes it can be trusted, so a frame that then runs past the end of
 * the file was cut short by a crash, not garbled in place.
 */
const FRAME_HEADER_BYTES = 12

/** Writes stay well under this (rules.ts); a larger length that passes the header checksum is damage. */
export const MAX_BODY_BYTES = 1 << 30

export const frame = (body: Uint8Array): Uint8Array => {
  const head = new ByteWriter(8).u32(body.length).u32(crc32(body)).bytes
  return new ByteWriter(FRAME_HEADER_BYTES + body.length).raw(head).u32(crc32(head)).raw(body).bytes
}

export type FrameRead =
  | { readonly _tag: "Frame"; readonly body: Uint8Array; readonly end: number }
  | {
      readonly _tag: "Bad"
      readonly reason: string
      /** Whether the bad frame is the last thing in the file (nothing, or only zeros, after it): a write a crash tore. */
      readonly torn: boolean
    }

const onlyZerosFrom = (bytes: Uint8Array, from: number): boolean => {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}

/** Reads the frame at `offset`; the caller has checked that `offset` is before the end. */
export const readFrame = (bytes: Uint8Array, offset: number): FrameRead => {
  if (bytes.length - offset < FRAME_HEADER_BYTES) {
    return { _tag: "Bad", reason: "the frame header is cut short", torn: true }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES)
  const length = view.getUint32(0)
  const bodyCrc = view.getUint32(4)
  if (crc32(bytes.subarray(offset, offset + 8)) !== view.getUint32(8)) {
    return { _tag: "Bad", reason: "the frame header fails its checksum", torn: onlyZerosFrom(bytes, offset + FRAME_HEADER_BYTES) }
  }
  if (length === 0 || length > MAX_BODY_BYTES) {
    return { _tag: "Bad", reason: `the frame declares ${length} body bytes`, torn: false }
  }
  const end = offset + FRAME_HEADER_BYTES + length
  if (end > bytes.length) {
    return { _tag: "Bad", reason: `the frame's ${length} body bytes run past the end of the file`, torn: true }
  }
  const body = bytes.subarray(offset + FRAME_HEADER_BYTES, end)
  if (crc32(body) !== bodyCrc) {
    return { _tag: "Bad", reason: "the frame body fails its checksum", torn: onlyZerosFrom(bytes, end) }
  }
  return { _tag: "Frame", body, end }
}
