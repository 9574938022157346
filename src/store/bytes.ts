/**
 * Varint byte strings shared by the storage encodings (rollups, the rollup journal).
 * Varints use arithmetic rather than bit operations: values go up to 2^53, past 32-bit range.
 */
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)

export class ByteWriter {
  private buf: Buffer
  private pos = 0

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  get length(): number {
    return this.pos
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** A non-negative safe integer. */
  varint(n: number): void {
    this.ensure(8)
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.pos++] = n
  }

  /** A safe integer of either sign. */
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  f64(v: number): void {
    this.ensure(8)
    f64[0] = v
    this.buf.set(f64Bytes, this.pos)
    this.pos += 8
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length)
    this.buf.set(src, this.pos)
    this.pos += src.length
  }

  /** A copy of what was written; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos))
    this.pos = 0
    return out
  }

  /**
   * A copy of what was written in a buffer of its own, never a slice of Node's shared pool:
   * safe to transfer to another thread. The writer starts over.
   */
  takeOwned(): Uint8Array {
    const out = new Uint8Array(this.pos)
    out.set(this.buf.subarray(0, this.pos))
    this.pos = 0
    return out
  }

  reset(): void {
    this.pos = 0
  }
}

export class ByteReader {
  pos: number

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  varint(): number {
    let result = 0
    let mul = 1
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++] as number
      result += (b & 0x7f) * mul
      if (b < 0x80) return result
      mul *= 0x80
    }
  }

  zigzag(): number {
    const n = this.varint()
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2
  }

  f64(): number {
    if (this.pos + 8 > this.end) throw new Error('truncated float')
    f64Bytes.set(this.buf.subarray(this.pos, this.pos + 8))
    this.pos += 8
    return f64[0] as number
  }
}
