import { describe, expect, it } from 'vitest'
import { validateReport } from '../protocol/report.js'
import {
  MAX_JSON_DEPTH,
  parseJsonBatch,
  parseJsonReport,
  parseNdjson,
  UnreadableBodyError,
  type RawItem,
} from './parsers.js'

const NOW = Date.UTC(2026, 10, 24, 20, 0, 0)
const report = { cameraId: 'lobby-03', seq: 1842, ts: '2026-11-24T20:00:00.000Z', metrics: { fps: 24.8, tamper: false } }

function values(items: RawItem[]): unknown[] {
  return items.map((item) => (item.ok ? item.value : { error: item.error }))
}

/** `levels` nested arrays inside the `reports` array, so the body nests `levels + 2` deep. */
function nestedBatch(levels: number): string {
  return `{"reports":[${'['.repeat(levels)}${']'.repeat(levels)}]}`
}

function expectUnreadable(parse: () => unknown, message?: RegExp): void {
  let thrown: unknown
  try {
    parse()
  } catch (e) {
    thrown = e
  }
  expect(thrown).toBeInstanceOf(UnreadableBodyError)
  expect((thrown as UnreadableBodyError).code).toBe('unreadable_body')
  if (message) expect((thrown as Error).message).toMatch(message)
}

describe('parseJsonBatch', () => {
  it('returns every element of reports as an item, in order', () => {
    const body = JSON.stringify({ reports: [report, { cameraId: 'x' }, 42, null] })
    expect(parseJsonBatch(body)).toEqual([
      { ok: true, value: report },
      { ok: true, value: { cameraId: 'x' } },
      { ok: true, value: 42 },
      { ok: true, value: null },
    ])
  })

  it('reads a Buffer as UTF-8 and ignores a byte order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ reports: [report] }))])
    expect(values(parseJsonBatch(body))).toEqual([report])
  })

  it('returns no items for an empty reports array', () => {
    expect(parseJsonBatch('{"reports":[]}')).toEqual([])
  })

  it('gives items that validateReport accepts', () => {
    const [item] = parseJsonBatch(JSON.stringify({ reports: [report] }))
    expect(item?.ok && validateReport(item.value, NOW)).toEqual({
      ok: true,
      report: { cameraId: 'lobby-03', seq: 1842, ts: NOW, metrics: { fps: 24.8, tamper: 0 } },
    })
  })

  it.each([
    ['an empty body', ''],
    ['whitespace', ' \n '],
    ['invalid JSON', '{"reports":[}'],
    ['truncated JSON', '{"reports":[{"cameraId":"a"'],
    ['NDJSON', '{"cameraId":"a"}\n{"cameraId":"b"}'],
  ])('throws UnreadableBodyError for %s', (_, body) => {
    expectUnreadable(() => parseJsonBatch(body), /not valid JSON/)
  })

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"reports"'],
  ])('throws UnreadableBodyError when the body is %s', (_, body) => {
    expectUnreadable(() => parseJsonBatch(body), /must be a JSON object/)
  })

  it('throws UnreadableBodyError for a field other than reports', () => {
    expectUnreadable(() => parseJsonBatch('{"reports":[],"extra":1}'), /unknown field 'extra'/)
    expectUnreadable(() => parseJsonBatch('{"__proto__":{},"reports":[]}'), /unknown field '__proto__'/)
  })

  it.each([
    ['missing', '{}'],
    ['an object', '{"reports":{"0":{}}}'],
    ['null', '{"reports":null}'],
    ['a string', '{"reports":"[]"}'],
  ])('throws UnreadableBodyError when reports is %s', (_, body) => {
    expectUnreadable(() => parseJsonBatch(body), /'reports' must be an array/)
  })

  it(`accepts nesting of exactly ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(parseJsonBatch(nestedBatch(MAX_JSON_DEPTH - 2))).toHaveLength(1)
    expectUnreadable(() => parseJsonBatch(nestedBatch(MAX_JSON_DEPTH - 1)), /deeper than 16/)
  })

  it('does not count brackets inside strings, even after escaped quotes', () => {
    const id = `\\"${'[{'.repeat(40)}\\\\`
    const body = `{"reports":[{"cameraId":"${id}","metrics":{"a":1}}]}`
    expect(values(parseJsonBatch(body))).toEqual([{ cameraId: `"${'[{'.repeat(40)}\\`, metrics: { a: 1 } }])
  })

  it('refuses a 1,000,000-deep body quickly without overflowing the stack', () => {
    const started = performance.now()
    expectUnreadable(() => parseJsonBatch('['.repeat(1_000_000)), /deeper than 16/)
    expectUnreadable(() => parseJsonBatch(`{"reports":${'[{"a":'.repeat(500_000)}`), /deeper than 16/)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('keeps __proto__ and constructor keys as plain data without polluting Object.prototype', () => {
    const body =
      '{"reports":[{"__proto__":{"polluted":1},"cameraId":"a","ts":0,"metrics":{}},' +
      '{"cameraId":"b","ts":0,"metrics":{"constructor":1,"valueof":2}}]}'
    const [first, second] = parseJsonBatch(body)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(first?.ok && Object.hasOwn(first.value as object, '__proto__')).toBe(true)
    expect(first?.ok && (first.value as { polluted?: unknown }).polluted).toBeUndefined()
    expect(first?.ok && validateReport(first.value, NOW)).toEqual({ ok: false, error: "unknown field '__proto__'" })
    const checked = second?.ok ? validateReport(second.value, NOW) : undefined
    expect(checked?.ok && { ...checked.report.metrics }).toEqual({ constructor: 1, valueof: 2 })
  })

  it('reads a 16 MiB batch of 100,000 reports', () => {
    const reports = Array.from({ length: 100_000 }, (_, i) => ({ ...report, seq: i, metrics: { ...report.metrics, pad: i } }))
    let body = JSON.stringify({ reports })
    body = body.slice(0, -2) + ' '.repeat(16 * 1024 * 1024 - body.length) + ']}'
    const items = parseJsonBatch(Buffer.from(body))
    expect(items).toHaveLength(100_000)
    expect(items[99_999]).toEqual({ ok: true, value: reports[99_999] })
  })
})

describe('parseNdjson', () => {
  it('returns one item per line, accepting \\r\\n and a last line without newline', () => {
    const body = `${JSON.stringify(report)}\r\n{"cameraId":"b"}\n[1]`
    expect(values(parseNdjson(body))).toEqual([report, { cameraId: 'b' }, [1]])
  })

  it('skips blank and whitespace-only lines, which are not items', () => {
    const body = `\n\n  \t\r\n{"a":1}\n\r\n\n{"a":2}\n\n`
    expect(values(parseNdjson(body))).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('turns a line that is not JSON into an item error and keeps the others', () => {
    const items = parseNdjson('{"a":1}\n{"a":\n{"a":3}')
    expect(items[0]).toEqual({ ok: true, value: { a: 1 } })
    expect(items[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^line is not valid JSON/) })
    expect(items[2]).toEqual({ ok: true, value: { a: 3 } })
  })

  it('treats a line of non-JSON whitespace (U+00A0) as an item error, not a blank line', () => {
    expect(parseNdjson('{"a":1}\n\u00a0')).toHaveLength(2)
  })

  it(`turns a line nesting deeper than ${MAX_JSON_DEPTH} into an item error`, () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`
    const limit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`
    expect(parseNdjson(`{"a":1}\n${deep}\n${limit}`)).toEqual([
      { ok: true, value: { a: 1 } },
      { ok: false, error: 'line nests deeper than 16 levels' },
      { ok: true, value: JSON.parse(limit) },
    ])
  })

  it('throws UnreadableBodyError when no line parses', () => {
    expectUnreadable(() => parseNdjson('hello\nworld\n'), /no line/)
    expectUnreadable(() => parseNdjson('{"reports":[\n{"a":1},\n]}'), /no line/)
  })

  it('returns no items for an empty or blank body', () => {
    expect(parseNdjson('')).toEqual([])
    expect(parseNdjson(Buffer.from('\n \r\n\t\n'))).toEqual([])
  })

  it('refuses a single 1,000,000-deep line quickly', () => {
    const started = performance.now()
    expectUnreadable(() => parseNdjson('['.repeat(1_000_000)), /no line/)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('keeps __proto__ keys as plain data without polluting Object.prototype', () => {
    const [item] = parseNdjson('{"__proto__":{"polluted":1},"metrics":{"constructor":1}}')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(item?.ok && Object.keys(item.value as object)).toEqual(['__proto__', 'metrics'])
  })

  it('reads 16 MiB of reports, and 16 MiB of newlines, in reasonable time', () => {
    const line = JSON.stringify(report)
    const count = Math.floor((16 * 1024 * 1024) / (line.length + 1))
    expect(parseNdjson(`${line}\n`.repeat(count))).toHaveLength(count)
    expect(parseNdjson('\n'.repeat(16 * 1024 * 1024))).toEqual([])
  })
})

describe('parseJsonReport', () => {
  it('reads one JSON value as an item', () => {
    expect(parseJsonReport(Buffer.from(JSON.stringify(report)))).toEqual({ ok: true, value: report })
  })

  it('turns invalid or too deeply nested JSON into an item error instead of throwing', () => {
    expect(parseJsonReport('{"a":')).toMatchObject({ ok: false, error: expect.stringMatching(/^payload is not valid JSON/) })
    expect(parseJsonReport('['.repeat(1_000_000))).toEqual({ ok: false, error: 'payload nests deeper than 16 levels' })
  })
})
