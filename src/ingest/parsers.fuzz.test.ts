import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { validateReport, type Report } from '../protocol/report.js'
import { MAX_JSON_DEPTH, parseJsonBatch, parseLineProtocol, parseNdjson, UnreadableBodyError, type RawItem } from './parsers.js'

const NOW = Date.UTC(2026, 10, 24, 20, 0, 0)
const YEAR_MS = 365 * 24 * 60 * 60 * 1000
const RUNS = { numRuns: 300 }

/** Returns the items, or null when the parser refused the body the one way it may. */
function parseOrRefuse(parse: () => RawItem[]): RawItem[] | null {
  try {
    return parse()
  } catch (e) {
    if (e instanceof UnreadableBodyError && e.code === 'unreadable_body') return null
    throw e
  }
}

function expectWellFormed(items: RawItem[] | null): void {
  if (items === null) return
  expect(Array.isArray(items)).toBe(true)
  for (const item of items) {
    if (item.ok) {
      expect(Object.keys(item)).toEqual(['ok', 'value'])
    } else {
      expect(Object.keys(item)).toEqual(['ok', 'error'])
      expect(typeof item.error).toBe('string')
      expect(item.error.length).toBeGreaterThan(0)
    }
  }
}

// Characters that steer each grammar into its interesting corners, mixed with anything at all.
const syntaxChar = fc.constantFrom(...' ,=\\"\n\r\t#{}[]:-+.0123456789eEiutTfF_abc'.split(''), 'camera_id=', 'seq=')
const anyUtf16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: anyUtf16, maxLength: 300 }),
  fc.string({ unit: syntaxChar, maxLength: 300 }),
)
const hostileBytes = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes))
const precision = fc.oneof(fc.constantFrom(undefined, '', 'ns', 'n', 'us', 'u', 'ms', 's', 'm', 'h'), fc.string({ maxLength: 4 }))

describe('parsers on hostile input', () => {
  it('parseJsonBatch returns well-formed items or throws UnreadableBodyError', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, hostileBytes), (body) => expectWellFormed(parseOrRefuse(() => parseJsonBatch(body)))),
      RUNS,
    )
  })

  it('parseNdjson returns well-formed items or throws UnreadableBodyError', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, hostileBytes), (body) => expectWellFormed(parseOrRefuse(() => parseNdjson(body)))),
      RUNS,
    )
  })

  it('parseLineProtocol returns well-formed items or throws UnreadableBodyError', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, hostileBytes), precision, (body, p) =>
        expectWellFormed(parseOrRefuse(() => parseLineProtocol(body, { precision: p, now: NOW }))),
      ),
      RUNS,
    )
  })

  it('parseJsonBatch returns what JSON.parse does unless the body nests too deep', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const body = JSON.stringify({ reports: [value] })
        const items = parseOrRefuse(() => parseJsonBatch(body))
        if (items === null) expect(depth(value) + 2).toBeGreaterThan(MAX_JSON_DEPTH)
        else expect(items).toEqual((JSON.parse(body) as { reports: unknown[] }).reports.map((v) => ({ ok: true, value: v })))
      }),
      RUNS,
    )
  })
})

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0
  return 1 + Math.max(0, ...Object.values(value).map(depth))
}

interface WireReport {
  cameraId: string
  seq: number | undefined
  ts: number
  metrics: Record<string, number | boolean>
}

const wireReport: fc.Arbitrary<WireReport> = fc.record({
  cameraId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
  seq: fc.option(fc.maxSafeNat(), { nil: undefined }),
  ts: fc.integer({ min: NOW - YEAR_MS, max: NOW }),
  metrics: fc.dictionary(
    fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/),
    fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
    { minKeys: 1, maxKeys: 30 },
  ),
})
const batch = fc.array(wireReport, { minLength: 1, maxLength: 5 })

/** What the server should store: booleans as 1/0 and -0 as 0, since neither JSON nor String() keeps the sign of zero. */
function expected(r: WireReport): Report {
  const metrics = Object.fromEntries(
    Object.entries(r.metrics).map(([name, v]) => [name, typeof v === 'boolean' ? Number(v) : v === 0 ? 0 : v]),
  )
  return { cameraId: r.cameraId, seq: r.seq, ts: r.ts, metrics }
}

function validated(items: RawItem[]): Report[] {
  return items.map((item) => {
    if (!item.ok) throw new Error(`item error: ${item.error}`)
    const check = validateReport(item.value, NOW)
    if (!check.ok) throw new Error(`invalid report: ${check.error}`)
    return { ...check.report, metrics: { ...check.report.metrics } }
  })
}

function toJson(r: WireReport, isoTs: boolean): string {
  return JSON.stringify({ ...r, ts: isoTs ? new Date(r.ts).toISOString() : r.ts })
}

/** Escapes the characters that would end a name in line protocol. */
function escapeLp(s: string, chars: string): string {
  let out = ''
  for (const c of s) out += chars.includes(c) ? `\\${c}` : c
  return out
}

const lpStyle = fc.record({
  // Prefixed so it cannot start a comment, suffixed so a final backslash cannot escape the next comma.
  measurement: fc.string({ unit: fc.constantFrom('a', ' ', ',', '=', '\\', '"', 'é'), maxLength: 8 }).map((s) => `m${s}x`),
  extraTag: fc.option(fc.string({ unit: fc.constantFrom('k', ' ', ',', '=', '\\', 'ü'), maxLength: 8 }).map((s) => `t${s}x`)),
  unit: fc.constantFrom(['ms', 1n], ['us', 1_000n], ['ns', 1_000_000n]),
  trueText: fc.constantFrom('t', 'T', 'true', 'True', 'TRUE'),
  falseText: fc.constantFrom('f', 'F', 'false', 'False', 'FALSE'),
  integersWithI: fc.boolean(),
})
type LpStyle = typeof lpStyle extends fc.Arbitrary<infer T> ? T : never

function toLineProtocol(r: WireReport, style: LpStyle): string {
  const tags = [`camera_id=${escapeLp(r.cameraId, ', =')}`]
  if (r.seq !== undefined) tags.push(`seq=${r.seq}`)
  if (style.extraTag !== null) tags.push(`${escapeLp(style.extraTag, ', =')}=${escapeLp(style.extraTag, ', =')}`)
  const fields = Object.entries(r.metrics).map(([name, v]) => {
    const text =
      typeof v === 'boolean'
        ? v ? style.trueText : style.falseText
        : style.integersWithI && Number.isSafeInteger(v) ? `${v}i` : String(v)
    return `${escapeLp(name, ', =')}=${text}`
  })
  const ts = BigInt(r.ts) * style.unit[1]
  return `${escapeLp(style.measurement, ', ')},${tags.join(',')} ${fields.join(',')} ${ts}`
}

describe('round trip of valid reports', () => {
  it('through a JSON batch', () => {
    fc.assert(
      fc.property(batch, fc.boolean(), (reports, isoTs) => {
        const body = `{"reports":[${reports.map((r) => toJson(r, isoTs)).join(',')}]}`
        expect(validated(parseJsonBatch(body))).toEqual(reports.map(expected))
      }),
      RUNS,
    )
  })

  it('through NDJSON', () => {
    fc.assert(
      fc.property(batch, fc.constantFrom('\n', '\r\n', '\n\n', '\n \t\n'), (reports, newline) => {
        const body = reports.map((r) => toJson(r, false)).join(newline) + newline
        expect(validated(parseNdjson(Buffer.from(body)))).toEqual(reports.map(expected))
      }),
      RUNS,
    )
  })

  it('through line protocol', () => {
    fc.assert(
      fc.property(batch, lpStyle, (reports, style) => {
        const body = ['# camtel', ...reports.map((r) => toLineProtocol(r, style))].join('\n')
        const items = parseLineProtocol(body, { precision: style.unit[0], now: NOW })
        expect(validated(items)).toEqual(reports.map(expected))
      }),
      RUNS,
    )
  })
})

describe('line protocol escaping', () => {
  // Any text but a newline, which line protocol cannot carry; a final backslash, which would
  // escape the delimiter after it; and a leading tab, which InfluxDB reads as a separator.
  // Real camera ids and metric names never come near these limits.
  const name = fc
    .string({ unit: fc.oneof(fc.constantFrom(' ', ',', '=', '\\', '"', '\t', '#'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 20 })
    .filter((s) => !s.includes('\n') && !s.endsWith('\\') && !s.startsWith('\t'))

  it('gives back the tag values and field keys the serialiser escaped', () => {
    fc.assert(
      fc.property(name, fc.uniqueArray(name, { minLength: 1, maxLength: 5 }), (cameraId, keys) => {
        const fields = keys.map((k, i) => `${escapeLp(k, ', =')}=${i}`).join(',')
        const [item, ...rest] = parseLineProtocol(`m,camera_id=${escapeLp(cameraId, ', =')} ${fields}`, { now: NOW })
        expect(rest).toEqual([])
        if (!item?.ok) throw new Error(`item error: ${item?.error}`)
        const value = item.value as { cameraId: string; metrics: Record<string, number> }
        expect(value.cameraId).toBe(cameraId)
        expect(Object.entries(value.metrics)).toEqual(keys.map((k, i) => [k, i]))
      }),
      RUNS,
    )
  })
})
