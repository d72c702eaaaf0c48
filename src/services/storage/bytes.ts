/**
 * Fixed-width fields for the record bodies, big-endian. Indexes and terms are safe integers
 * (below 2^53), stored as two 32-bit halves: exact, and cheaper than going through BigInt.
 */
const TWO_32 = 0x1_0000_0000

export class ByteWriter {
  readonly bytes: Uint8Array
  private readonly view: DataView
  private at = 0

  constructor(size: number) {
    this.bytes = new Uint8Array(size)
    this.view = new DataView(this.bytes.buffer)
  }

  u8(n: number): this {
    this.view.setUint8(this.at, n)
    this.at += 1
    return this
  }

  u16(n: number): this {
    this.view.setUint16(this.at, n)
    this.at += 2
    return this
  }

  u32(n: number): this {
    this.view.setUint32(this.at, n)
    this.at += 4
    return this
  }

  u53(n: number): this {
    return this.u32(Math.floor(n / TWO_32)).u32(n % TWO_32)
  }

  raw(bytes: Uint8Array): this {
    this.bytes.set(bytes, this.at)
    this.at += bytes.length
    return this
  }
}

/**
 * Reads the fields back without throwing: a read past the end yields zero and marks the
 * reader `malformed`, so a decoder reads everything, then checks once.
 */
export class ByteReader {
  private readonly view: DataView
  private at = 0
  malformed = false

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.at
  }

  private take(width: number): number {
    if (this.malformed || this.remaining < width) {
      this.malformed = true
      return -1
    }
    const start = this.at
    this.at += width
    return start
  }

  u8(): number {
    const at = this.take(1)
    return at < 0 ? 0 : this.view.getUint8(at)
  }

  u16(): number {
    const at = this.take(2)
    return at < 0 ? 0 : this.view.getUint16(at)
  }

  u32(): number {
    const at = this.take(4)
    return at < 0 ? 0 : this.view.getUint32(at)
  }

  /** An integer below 2^53; a larger one marks it malformed, as no writer produces it. */
  u53(): number {
    const high = this.u32()
    const low = this.u32()
    if (high >= 2 ** 21) this.malformed = true
    return high * TWO_32 + low
  }

  raw(length: number): Uint8Array {
    const at = this.take(length)
    return at < 0 ? new Uint8Array(0) : this.bytes.subarray(at, at + length)
  }
}
