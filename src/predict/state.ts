/**
 * A compact binary form of the predictor's state (numbers, typed arrays and short strings in a
 * fixed order), so that a restarted server resumes where it stopped instead of relearning
 * baselines and trends from new data. Every typed array carries its byte length: a layout that
 * changed between versions is refused (StateFormatError) rather than read as something else.
 */

type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array

export class StateFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StateFormatError'
  }
}

export class StateWriter {
  private readonly chunks: Uint8Array[] = []
  private size = 0

  num(x: number): this {
    const b = Buffer.allocUnsafe(8)
    b.writeDoubleLE(x)
    return this.push(b)
  }

  /** A typed array's bytes (copied: the caller may keep changing it). */
  arr(a: Typed): this {
    this.num(a.byteLength)
    return this.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice())
  }

  str(s: string): this {
    const b = Buffer.from(s, 'utf8')
    this.num(b.length)
    return this.push(b)
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size)
  }

  private push(b: Uint8Array): this {
    this.chunks.push(b)
    this.size += b.length
    return this
  }
}

export class StateReader {
  private pos = 0

  constructor(private readonly buf: Buffer) {}

  num(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  /** Reads bytes saved by `StateWriter.arr` into `into`, which must have the same byte length. */
  arr(into: Typed): void {
    const n = this.num()
    if (n !== into.byteLength) throw new StateFormatError(`saved array of ${n} bytes where ${into.byteLength} are expected`)
    this.need(n)
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
  }

  str(): string {
    const n = this.num()
    if (!Number.isInteger(n) || n < 0) throw new StateFormatError(`bad string length ${n}`)
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  /** Throws unless everything was read: a longer record is another layout. */
  end(): void {
    if (this.pos !== this.buf.length) throw new StateFormatError(`${this.buf.length - this.pos} bytes left over`)
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new StateFormatError('state record ends early')
  }
}
