import { MAX_METRICS_PER_REPORT } from '../protocol/report.js'
import type { ByteWriter } from './bytes.js'

/**
 * Compact, lossless encoding of one report's metrics as a byte string.
 *
 * Each metric is a varint header `(zigzag(id - previous id) << 3) | enc` followed by its value;
 * ids are the store's dictionary ids, and since a camera sends its metrics in the same order
 * every time, consecutive ids mostly differ by one and the header takes one byte.
 * - enc 0..5: the value times 10^enc is an integer n, stored as a zigzag varint. Telemetry is
 *   mostly short decimals (24.8, 51.5, 0), so most values take 1-3 bytes.
 * - enc 6: float32, when the value is exactly representable as one.
 * - enc 7: float64, anything else.
 * The encoder picks the shortest exact form: decode(encode(x)) === x for every finite x.
 */
const POW10 = [1, 10, 100, 1000, 10000, 100000]
export const MAX_DECIMAL_ENC = 5
const ENC_F32 = 6
const ENC_F64 = 7
/** Worst case per metric: 10-byte header + 8-byte value. */
const MAX_ENTRY_BYTES = 18

/** Scale reported by decodeMetricsScaled for a value stored as a float. */
export const FLOAT_SCALE = -1

const f32 = new Float32Array(1)
const f32Bytes = new Uint8Array(f32.buffer)
const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)

export class MetricEncoder {
  private buf = Buffer.allocUnsafe(4096)
  private pos = 0
  private prev = 0

  /** Encodes metric (id, value) pairs as a new buffer. */
  encode(entries: ReadonlyArray<readonly [number, number]>): Buffer {
    this.start(entries.length)
    for (const [id, value] of entries) this.put(id, value)
    return Buffer.from(this.buf.subarray(0, this.pos))
  }

  /**
   * Appends a report's metrics to `out` as a varint length and the blob, ids from `idOf`.
   * The hot path of ingest: no intermediate arrays.
   */
  encodeInto(out: ByteWriter, metrics: Readonly<Record<string, number>>, idOf: (name: string) => number): void {
    this.start(MAX_METRICS_PER_REPORT)
    for (const name in metrics) this.put(idOf(name), metrics[name] as number)
    out.varint(this.pos)
    out.bytes(this.buf.subarray(0, this.pos))
  }

  private start(entries: number): void {
    this.pos = 0
    this.prev = 0
    if (this.buf.length < entries * MAX_ENTRY_BYTES) this.buf = Buffer.allocUnsafe(entries * MAX_ENTRY_BYTES * 2)
  }

  private put(id: number, value: number): void {
    const delta = id - this.prev
    this.prev = id
    const head = (delta >= 0 ? delta * 2 : -delta * 2 - 1) * 8
    const enc = decimalEncoding(value)
    if (enc >= 0) {
      this.varint(head + enc)
      const n = Math.round(value * (POW10[enc] as number))
      this.varint(n >= 0 ? n * 2 : -n * 2 - 1)
      return
    }
    f32[0] = value
    if (f32[0] === value) {
      this.varint(head + ENC_F32)
      this.buf.set(f32Bytes, this.pos)
      this.pos += 4
      return
    }
    this.varint(head + ENC_F64)
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

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2
}

/**
 * Reads every metric of the blob bytes [start, end) with its stored form: a short decimal
 * comes as its scale k (0..5) and the integer n = value * 10^k, exactly as stored, so that
 * rollups can add such values as integers without rounding; a float comes with scale
 * FLOAT_SCALE and n NaN. visit returns true to stop early.
 */
export function decodeMetricsScaled(
  buf: Uint8Array,
  start: number,
  end: number,
  visit: (id: number, scale: number, n: number, value: number) => boolean | void,
): void {
  let pos = start
  let id = 0
  while (pos < end) {
    const header = readVarint(buf, pos, end)
    pos = varintEnd
    const enc = header % 8
    id += unzigzag((header - enc) / 8)
    let stop: boolean | void
    if (enc <= MAX_DECIMAL_ENC) {
      const n = unzigzag(readVarint(buf, pos, end))
      pos = varintEnd
      stop = visit(id, enc, n, n / (POW10[enc] as number))
    } else if (enc === ENC_F32) {
      if (pos + 4 > end) throw new Error('truncated metric blob')
      f32Bytes.set(buf.subarray(pos, pos + 4))
      pos += 4
      stop = visit(id, FLOAT_SCALE, Number.NaN, f32[0] as number)
    } else {
      if (pos + 8 > end) throw new Error('truncated metric blob')
      f64Bytes.set(buf.subarray(pos, pos + 8))
      pos += 8
      stop = visit(id, FLOAT_SCALE, Number.NaN, f64[0] as number)
    }
    if (stop === true) return
  }
}

/** Where the last readVarint stopped: a second result without allocating a pair per value. */
let varintEnd = 0

function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let result = 0
  let mul = 1
  for (;;) {
    if (pos >= end) throw new Error('truncated metric blob')
    const b = buf[pos++] as number
    result += (b & 0x7f) * mul
    if (b < 0x80) {
      varintEnd = pos
      return result
    }
    mul *= 0x80
  }
}

/** Reads every (id, value) pair of an encoded blob. */
export function decodeMetrics(buf: Uint8Array, visit: (id: number, value: number) => void): void {
  decodeMetricsScaled(buf, 0, buf.length, (id, _scale, _n, value) => {
    visit(id, value)
  })
}

/** The value of one metric id in a blob, or undefined. */
export function decodeOne(buf: Uint8Array, wanted: number): number | undefined {
  let found: number | undefined
  decodeMetricsScaled(buf, 0, buf.length, (id, _scale, _n, value) => {
    if (id !== wanted) return false
    found = value
    return true
  })
  return found
}
