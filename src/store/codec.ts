/**
 * Compact, lossless encoding of one report's metrics as a byte string.
 *
 * Each metric is a varint header `(metricId << 3) | enc` followed by its value:
 * - enc 0..5: the value times 10^enc is an integer n, stored as a zigzag varint. Telemetry is
 *   mostly short decimals (24.8, 51.5, 0), so most samples take 1-3 bytes.
 * - enc 6: float32, when the value is exactly representable as one.
 * - enc 7: float64, anything else.
 * The encoder picks the shortest exact form: decode(encode(x)) === x for every finite x.
 */
const POW10 = [1, 10, 100, 1000, 10000, 100000]
const MAX_DECIMAL_ENC = 5
const ENC_F32 = 6
const ENC_F64 = 7

const f32 = new Float32Array(1)
const f32Bytes = new Uint8Array(f32.buffer)
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)

export class MetricEncoder {
  private buf = Buffer.allocUnsafe(4096)
  private pos = 0

  /** Encodes metric (id, value) pairs; ids are the store's dictionary ids. */
  encode(entries: ReadonlyArray<readonly [number, number]>): Buffer {
    this.pos = 0
    // Worst case per entry: 10-byte header + 8-byte value.
    if (this.buf.length < entries.length * 18) this.buf = Buffer.allocUnsafe(entries.length * 36)
    for (const [id, value] of entries) this.put(id, value)
    return Buffer.from(this.buf.subarray(0, this.pos))
  }

  private put(id: number, value: number): void {
    const enc = decimalEncoding(value)
    if (enc >= 0) {
      this.varint(id * 8 + enc)
      this.varint(zigzag(Math.round(value * (POW10[enc] as number))))
      return
    }
    f32[0] = value
    if (f32[0] === value) {
      this.varint(id * 8 + ENC_F32)
      this.buf.set(f32Bytes, this.pos)
      this.pos += 4
      return
    }
    this.varint(id * 8 + ENC_F64)
    f64[0] = value
    this.buf.set(f64Bytes, this.pos)
    this.pos += 8
  }

  private varint(n: number): void {
    // Arithmetic rather than bit operations: values go up to 2^54, past 32-bit bitwise range.
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.pos++] = n
  }
}

/** Smallest k in 0..5 such that value*10^k is an integer that decodes back exactly; -1 if none. */
function decimalEncoding(value: number): number {
  for (let k = 0; k <= MAX_DECIMAL_ENC; k++) {
    const p = POW10[k] as number
    const n = Math.round(value * p)
    if (Math.abs(n) > Number.MAX_SAFE_INTEGER / 2) return -1
    if (n / p === value && !Object.is(value, -0)) return k
  }
  return -1
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2
}

/** Reads every (id, value) pair of an encoded blob. */
export function decodeMetrics(buf: Uint8Array, visit: (id: number, value: number) => void): void {
  let pos = 0
  const readVarint = (): number => {
    let result = 0
    let mul = 1
    for (;;) {
      const b = buf[pos++]
      if (b === undefined) throw new Error('truncated metric blob')
      result += (b & 0x7f) * mul
      if (b < 0x80) return result
      mul *= 0x80
    }
  }
  while (pos < buf.length) {
    const header = readVarint()
    const enc = header % 8
    const id = (header - enc) / 8
    if (enc <= MAX_DECIMAL_ENC) {
      visit(id, unzigzag(readVarint()) / (POW10[enc] as number))
    } else if (enc === ENC_F32) {
      f32Bytes.set(buf.subarray(pos, pos + 4))
      pos += 4
      visit(id, f32[0] as number)
    } else {
      f64Bytes.set(buf.subarray(pos, pos + 8))
      pos += 8
      visit(id, f64[0] as number)
    }
  }
}

/** The value of one metric id in a blob, or undefined. */
export function decodeOne(buf: Uint8Array, wanted: number): number | undefined {
  let found: number | undefined
  decodeMetrics(buf, (id, value) => {
    if (id === wanted) found = value
  })
  return found
}

