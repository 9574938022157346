import { Fail, parseFieldValue, timestampToMs } from './line-protocol-values.js'
import { clip, UnreadableBodyError, type RawItem } from './raw-item.js'

/** Longest line accepted; a longer line is an item error, not a reason to drop the batch. */
export const MAX_LINE_BYTES = 64 * 1024

export interface LineProtocolOptions {
  /** InfluxDB's `precision` query parameter; nanoseconds when absent or empty. */
  precision?: string
  /** Server clock in epoch ms: the timestamp of lines that carry none. */
  now: number
}

// v2 names plus the v1 aliases n, u, m and h. A Map, so that 'constructor' is not a precision.
const NS_PER_UNIT = new Map<string, bigint>([
  ['', 1n],
  ['ns', 1n],
  ['n', 1n],
  ['us', 1_000n],
  ['u', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
])

/**
 * InfluxDB line protocol, one point a line, to raw reports `{cameraId, seq?, ts, metrics}`:
 * tag `camera_id` becomes cameraId, tag `seq` becomes seq, other tags and the measurement are
 * ignored, fields become metrics. Blank lines and `#` comments are not items. Throws
 * UnreadableBodyError only for an unknown precision; every bad line is an item error.
 */
export function parseLineProtocol(body: Buffer | string, opts: LineProtocolOptions): RawItem[] {
  const nsPerUnit = NS_PER_UNIT.get(opts.precision ?? '')
  if (nsPerUnit === undefined) {
    throw new UnreadableBodyError(`unknown precision '${clip(String(opts.precision))}'; use ns, us, ms, s, m or h`)
  }
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const items: RawItem[] = []
  const names = new NameCache()
  for (let start = hasBom(buf) ? 3 : 0; start < buf.length; ) {
    let end = buf.indexOf(LF, start)
    if (end === -1) end = buf.length
    const next = end + 1
    if (end > start && buf[end - 1] === CR) end--
    const first = skipBlanks(buf, start, end)
    if (first < end && buf[first] !== HASH) {
      items.push(
        end - start > MAX_LINE_BYTES
          ? { ok: false, error: `line is longer than ${MAX_LINE_BYTES} bytes` }
          : new LineParser(buf, first, end, names).parse(nsPerUnit, opts.now),
      )
    }
    start = next
  }
  return items
}

const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const QUOTE = 0x22
const HASH = 0x23
const COMMA = 0x2c
const EQUALS = 0x3d
const BACKSLASH = 0x5c
const END = -1

function delimiters(...chars: string[]): Uint8Array {
  const table = new Uint8Array(256)
  for (const c of chars) table[c.charCodeAt(0)] = 1
  return table
}
// Each of these is both where a name ends and what a backslash may escape inside it.
const MEASUREMENT_DELIMS = delimiters(',', ' ')
const KEY_DELIMS = delimiters(',', '=', ' ')

function hasBom(buf: Buffer): boolean {
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf
}

function skipBlanks(buf: Buffer, pos: number, end: number): number {
  while (pos < end && (buf[pos] === SPACE || buf[pos] === TAB)) pos++
  return pos
}

/**
 * Measurement, tag and field names repeat on every line of a body: each distinct one is
 * decoded once per body, which spares a native string conversion and an allocation per name.
 */
class NameCache {
  private readonly entries = new Map<number, Array<{ bytes: Buffer; text: string }>>()
  private size = 0

  /** The text of buf[from, to), which holds ASCII only. */
  get(buf: Buffer, from: number, to: number): string {
    // FNV-1a over the bytes.
    let h = 0x811c9dc5
    for (let i = from; i < to; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193)
    const bucket = this.entries.get(h)
    if (bucket) {
      // Compared byte by byte: a subarray and Buffer.equals would allocate on every name.
      const len = to - from
      for (const e of bucket) {
        if (e.bytes.length !== len) continue
        let j = 0
        while (j < len && e.bytes[j] === buf[from + j]) j++
        if (j === len) return e.text
      }
    }
    const text = buf.toString('latin1', from, to)
    if (this.size < MAX_CACHED_NAMES) {
      this.size++
      const entry = { bytes: Buffer.from(buf.subarray(from, to)), text }
      if (bucket) bucket.push(entry)
      else this.entries.set(h, [entry])
    }
    return text
  }
}

/** Distinct names a body's cache holds; a body of a million distinct names decodes the rest each time. */
const MAX_CACHED_NAMES = 4096
/** Digits that fit a double exactly (< 2^53): numbers of at most this many convert without rounding twice. */
const EXACT_DIGITS = 15
const POW10 = Array.from({ length: EXACT_DIGITS + 1 }, (_, i) => 10 ** i)
const DOT = 0x2e
const MINUS = 0x2d
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39

/** Reads one line, `buf[pos, end)`, with no newline and no leading blanks. */
class LineParser {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
    private readonly names: NameCache,
  ) {}

  parse(nsPerUnit: bigint, now: number): RawItem {
    const point = this.readPoint(nsPerUnit, now)
    return point instanceof Fail ? { ok: false, error: point.error } : { ok: true, value: point }
  }

  private readPoint(nsPerUnit: bigint, now: number): Fail | Record<string, unknown> {
    if (this.readName(MEASUREMENT_DELIMS, true) === '') return new Fail('missing measurement')
    const tags = new Map<string, string>()
    while (this.peek() === COMMA) {
      this.pos++
      const key = this.readName(KEY_DELIMS, true)
      if (key === '') return new Fail('missing tag key')
      if (this.peek() !== EQUALS) return new Fail(`missing value for tag '${clip(key)}'`)
      this.pos++
      const value = this.readName(KEY_DELIMS)
      if (value === '') return new Fail(`missing value for tag '${clip(key)}'`)
      if (this.peek() === EQUALS) return new Fail(`unescaped '=' in the value of tag '${clip(key)}'`)
      if (tags.has(key)) return new Fail(`duplicate tag '${clip(key)}'`)
      tags.set(key, value)
    }
    if (this.peek() !== SPACE) return new Fail('missing fields')
    this.pos = skipBlanks(this.buf, this.pos, this.end)

    // Null prototype: a field called __proto__ or constructor must stay plain data.
    const metrics: Record<string, number | boolean> = Object.create(null)
    for (;;) {
      const key = this.readName(KEY_DELIMS, true)
      if (key === '') return new Fail('missing field key')
      if (this.peek() !== EQUALS) return new Fail(`missing value for field '${clip(key)}'`)
      this.pos++
      const value = this.readFieldValue(key)
      if (value instanceof Fail) return value
      // A repeated key overwrites the earlier one, as InfluxDB does.
      metrics[key] = value
      if (this.peek() !== COMMA) break
      this.pos++
    }

    const ts = this.readTimestamp(nsPerUnit, now)
    if (ts instanceof Fail) return ts
    const cameraId = tags.get('camera_id')
    if (cameraId === undefined) return new Fail("tag 'camera_id' is required")
    const point: Record<string, unknown> = { cameraId }
    const seq = tags.get('seq')
    if (seq !== undefined) {
      if (!/^\d+$/.test(seq) || !Number.isSafeInteger(Number(seq))) {
        return new Fail("tag 'seq' must be a non-negative integer")
      }
      point.seq = Number(seq)
    }
    point.ts = ts
    point.metrics = metrics
    return point
  }

  private peek(): number {
    return this.pos < this.end ? (this.buf[this.pos] ?? END) : END
  }

  /**
   * Reads up to the first unescaped delimiter. A backslash before anything else is literal, as
   * in InfluxDB. Names that recur on every line go through the body's cache.
   */
  private readName(delims: Uint8Array, recurring = false): string {
    let text = ''
    let from = this.pos
    let i = this.pos
    let ascii = true
    for (; i < this.end; i++) {
      const c = this.buf[i] ?? 0
      if (delims[c] === 1) break
      if (c >= 0x80) ascii = false
      if (c === BACKSLASH && i + 1 < this.end && delims[this.buf[i + 1] ?? 0] === 1) {
        // Backslash and delimiters are ASCII, so cutting here never splits a UTF-8 sequence.
        text += this.buf.toString('utf8', from, i)
        from = i + 1
        i++
      }
    }
    this.pos = i
    if (recurring && ascii && text === '') return this.names.get(this.buf, from, i)
    return text + this.buf.toString('utf8', from, i)
  }

  private readFieldValue(key: string): number | boolean | Fail {
    // Camera metrics are numbers; a string would be silently unusable, so the whole line is refused.
    if (this.peek() === QUOTE) return new Fail(`field '${clip(key)}' is a string; only numbers and booleans are accepted`)
    const start = this.pos
    while (this.pos < this.end && this.buf[this.pos] !== COMMA && this.buf[this.pos] !== SPACE) this.pos++
    if (this.pos === start) return new Fail(`missing value for field '${clip(key)}'`)
    const fast = decimalAt(this.buf, start, this.pos)
    if (fast !== undefined) return fast
    // latin1 maps each byte to one char, so a non-ASCII byte can only fail the number grammar.
    // Other tokens (booleans above all) recur: they go through the body's name cache.
    const token = this.pos - start <= 5 ? this.names.get(this.buf, start, this.pos) : this.buf.toString('latin1', start, this.pos)
    const value = parseFieldValue(token)
    return value ?? new Fail(`field '${clip(key)}' has an invalid value '${clip(token)}'`)
  }

  private readTimestamp(nsPerUnit: bigint, now: number): number | Fail {
    this.pos = skipBlanks(this.buf, this.pos, this.end)
    if (this.pos === this.end) return now
    const start = this.pos
    while (this.pos < this.end && this.buf[this.pos] !== SPACE && this.buf[this.pos] !== TAB) this.pos++
    if (skipBlanks(this.buf, this.pos, this.end) !== this.end) return new Fail('unexpected text after the timestamp')
    const fast = nsPerUnit === 1n ? nanosecondsAt(this.buf, start, this.pos) : undefined
    return fast ?? timestampToMs(this.buf.toString('latin1', start, this.pos), nsPerUnit)
  }
}

/**
 * The common number `-?digits[.digits]` with at most EXACT_DIGITS digits, read from the bytes:
 * both the digits and the power of ten are exact doubles, so one division rounds exactly as
 * Number() does. Undefined for anything else (exponents, i/u suffixes, booleans, long
 * numbers), which the general path handles.
 */
function decimalAt(buf: Buffer, from: number, to: number): number | undefined {
  let i = from
  const negative = buf[i] === MINUS
  if (negative) i++
  let mantissa = 0
  let digits = 0
  let fraction = -1
  for (; i < to; i++) {
    const c = buf[i] as number
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      mantissa = mantissa * 10 + (c - DIGIT_0)
      digits++
      if (fraction >= 0) fraction++
    } else if (c === DOT && fraction < 0) {
      fraction = 0
    } else {
      return undefined
    }
  }
  if (digits === 0 || digits > EXACT_DIGITS) return undefined
  const value = fraction > 0 ? mantissa / (POW10[fraction] as number) : mantissa
  return negative ? -value : value
}

/** Epoch ms from a nanosecond timestamp of plain digits, short enough to be in int64 range. */
function nanosecondsAt(buf: Buffer, from: number, to: number): number | undefined {
  // 18 digits are below 2^63 whatever they are; the 6 below a millisecond are dropped (floor).
  if (to - from > 18) return undefined
  let ms = 0
  for (let i = from; i < to; i++) {
    const c = buf[i] as number
    if (c < DIGIT_0 || c > DIGIT_9) return undefined
    if (i < to - 6) ms = ms * 10 + (c - DIGIT_0)
  }
  return ms
}
