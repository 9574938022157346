import { describe, expect, it } from 'vitest'
import { validateReport } from '../protocol/report.js'
import { MAX_LINE_BYTES, parseLineProtocol } from './line-protocol.js'
import { UnreadableBodyError, type RawItem } from './raw-item.js'

const NOW = Date.UTC(2026, 10, 24, 20, 0, 0)
const NOW_NS = BigInt(NOW) * 1_000_000n

function parse(body: string | Buffer, precision?: string): RawItem[] {
  return parseLineProtocol(body, { precision, now: NOW })
}

function one(line: string | Buffer, precision?: string): RawItem {
  const items = parse(line, precision)
  expect(items).toHaveLength(1)
  return items[0] as RawItem
}

function value(line: string | Buffer, precision?: string): Record<string, unknown> {
  const item = one(line, precision)
  if (!item.ok) throw new Error(`expected a report, got: ${item.error}`)
  return item.value as Record<string, unknown>
}

function metrics(fields: string): unknown {
  return { ...(value(`m,camera_id=a ${fields}`).metrics as object) }
}

function error(line: string, precision?: string): string {
  const item = one(line, precision)
  if (item.ok) throw new Error(`expected an error, got: ${JSON.stringify(item.value)}`)
  return item.error
}

describe('parseLineProtocol', () => {
  it('reads the DESIGN example into a raw report that validateReport accepts', () => {
    const line = `camera,camera_id=lobby-03 fps=24.8,temperature_c=51.5 ${NOW_NS}`
    const point = value(line)
    expect(point).toEqual({ cameraId: 'lobby-03', ts: NOW, metrics: { fps: 24.8, temperature_c: 51.5 } })
    expect(Object.keys(point)).toEqual(['cameraId', 'ts', 'metrics'])
    expect(validateReport(point, NOW)).toEqual({
      ok: true,
      report: { cameraId: 'lobby-03', seq: undefined, ts: NOW, metrics: { fps: 24.8, temperature_c: 51.5 } },
    })
  })

  it('reads the seq tag as a number and ignores other tags and the measurement', () => {
    expect(value(`anything,site=hq,camera_id=c1,seq=42,zone=b f=1 ${NOW_NS}`)).toEqual({
      cameraId: 'c1',
      seq: 42,
      ts: NOW,
      metrics: { f: 1 },
    })
  })

  it.each(['-1', '1.5', '1e3', 'abc', '9007199254740992', '１'])('rejects seq=%s', (seq) => {
    expect(error(`m,camera_id=a,seq=${seq} f=1`)).toBe("tag 'seq' must be a non-negative integer")
  })

  it('requires the camera_id tag', () => {
    expect(error('m,cameraId=a,camera\\ id=b f=1')).toBe("tag 'camera_id' is required")
    expect(error('m f=1')).toBe("tag 'camera_id' is required")
  })

  it('uses the time the server received the line when it has no timestamp', () => {
    expect(value('m,camera_id=a f=1').ts).toBe(NOW)
    expect(value('m,camera_id=a f=1 \t ').ts).toBe(NOW)
  })

  describe('escapes', () => {
    it('unescapes comma and space in the measurement, where = needs no escape', () => {
      expect(value('my\\ cam\\,era,camera_id=a f=1').cameraId).toBe('a')
      expect(value('a=b,camera_id=a f=1').cameraId).toBe('a')
    })

    it('unescapes comma, equals and space in tag keys and values', () => {
      expect(value('m,camera_id=a\\ b\\,c\\=d f=1').cameraId).toBe('a b,c=d')
      expect(value('m,camera\\_id=x,camera_id=a f=1').cameraId).toBe('a')
      expect(value('m,odd\\ key\\=\\,=v,camera_id=a f=1').cameraId).toBe('a')
    })

    it('unescapes comma, equals and space in field keys', () => {
      expect(metrics('my\\ field\\,x\\=y=1')).toEqual({ 'my field,x=y': 1 })
    })

    it('keeps a backslash that escapes nothing, as InfluxDB does', () => {
      expect(value('m,camera_id=a\\b f=1').cameraId).toBe('a\\b')
      expect(value('m,camera_id=a\\\\b f=1').cameraId).toBe('a\\\\b')
      // The second backslash escapes the comma: `a\` followed by `,b`.
      expect(value('m,camera_id=a\\\\,b f=1').cameraId).toBe('a\\,b')
    })

    it('keeps UTF-8 in names intact', () => {
      expect(value(Buffer.from('mesure,caméra=é,camera_id=a température=1')).metrics).toEqual({
        température: 1,
      })
    })
  })

  describe('field values', () => {
    it.each([
      ['1', 1],
      ['1.5', 1.5],
      ['-2e3', -2000],
      ['1E+2', 100],
      ['2.5e-3', 0.0025],
      ['.5', 0.5],
      ['1.', 1],
      ['-0.0', -0],
      ['007', 7],
      ['1.7976931348623157e308', Number.MAX_VALUE],
      ['5e-324', Number.MIN_VALUE],
      ['42i', 42],
      ['-42i', -42],
      ['0i', 0],
      ['9223372036854775807i', 2 ** 63],
      ['-9223372036854775808i', -(2 ** 63)],
      ['42u', 42],
      ['18446744073709551615u', 2 ** 64],
    ])('reads %s as the number %s', (text, expected) => {
      expect(metrics(`v=${text}`)).toEqual({ v: expected })
    })

    it.each(['t', 'T', 'true', 'True', 'TRUE'])('reads %s as true', (text) => {
      expect(metrics(`v=${text}`)).toEqual({ v: true })
    })

    it.each(['f', 'F', 'false', 'False', 'FALSE'])('reads %s as false', (text) => {
      expect(metrics(`v=${text}`)).toEqual({ v: false })
    })

    it.each([
      'tRUE', 'yes', 'truee', '+1', '--1', '1-', '1e', '1e+', 'e5', '.', '-', '1.2.3', '0x10', '1_000',
      'NaN', 'Inf', '-Infinity', '1e400', '1.5i', '1e5i', 'i', '-i', '9223372036854775808i',
      '-9223372036854775809i', '-1u', '-0u', '1.5u', '18446744073709551616u', '1iu', '1\t', '１',
    ])('rejects the value %s', (text) => {
      expect(error(`m,camera_id=a v=${text}`)).toMatch(/^field 'v' has an invalid value/)
    })

    it('rejects the whole line when a field is a string, naming the field', () => {
      expect(error('m,camera_id=a fps=1,note="hello, world = a b" 1')).toBe(
        "field 'note' is a string; only numbers and booleans are accepted",
      )
      expect(error('m,camera_id=a note="say \\"hi\\" \\\\",fps=1')).toMatch(/^field 'note' is a string/)
      expect(error('m,camera_id=a s=""')).toMatch(/^field 's' is a string/)
    })

    it('lets the last of repeated field keys win, as InfluxDB does', () => {
      expect(metrics('a=1,b=2,a=3')).toEqual({ a: 3, b: 2 })
    })

    it('keeps __proto__ and constructor field keys as plain data', () => {
      const point = value('m,camera_id=a __proto__=1,constructor=2,polluted=3')
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.keys(point.metrics as object)).toEqual(['__proto__', 'constructor', 'polluted'])
      expect(validateReport(point, NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/__proto__/) })
    })
  })

  describe('timestamps', () => {
    it.each([
      [undefined, '1764014400123456789', 1764014400123],
      ['', '1764014400123456789', 1764014400123],
      ['ns', '1764014400123999999', 1764014400123],
      ['n', '1764014400123999999', 1764014400123],
      ['us', '1764014400123999', 1764014400123],
      ['u', '1764014400123999', 1764014400123],
      ['ms', '1764014400123', 1764014400123],
      ['s', '1764014400', 1764014400000],
      ['m', '29400240', 1764014400000],
      ['h', '490004', 1764014400000],
    ])('with precision %s reads %s as %s ms, flooring exactly beyond 2^53', (precision, ts, ms) => {
      expect(value(`m,camera_id=a f=1 ${ts}`, precision).ts).toBe(ms)
    })

    it('accepts zero, leading zeros and -0', () => {
      expect(value('m,camera_id=a f=1 0').ts).toBe(0)
      expect(value('m,camera_id=a f=1 0001000000').ts).toBe(1)
      expect(value('m,camera_id=a f=1 -0').ts).toBe(0)
    })

    it('rejects negative timestamps', () => {
      expect(error('m,camera_id=a f=1 -1')).toBe('timestamp must not be negative')
    })

    it('rejects timestamps past the int64 nanoseconds InfluxDB can hold', () => {
      expect(value('m,camera_id=a f=1 9223372036854775807').ts).toBe(9223372036854)
      expect(error('m,camera_id=a f=1 9223372036854775808')).toBe('timestamp is out of range')
      expect(value('m,camera_id=a f=1 9223372036', 's').ts).toBe(9223372036000)
      expect(error('m,camera_id=a f=1 9223372037', 's')).toBe('timestamp is out of range')
      expect(error(`m,camera_id=a f=1 ${'9'.repeat(60_000)}`)).toBe('timestamp is out of range')
    })

    it.each(['1.5', '12a', '1e9', '+1', '-', '--1', '0x10'])('rejects the timestamp %s', (ts) => {
      expect(error(`m,camera_id=a f=1 ${ts}`)).toBe('timestamp must be an integer')
    })

    it('rejects text after the timestamp', () => {
      expect(error('m,camera_id=a f=1 1 2')).toBe('unexpected text after the timestamp')
    })

    it.each(['x', 'MS', 'sec', 'constructor', '__proto__'])('throws UnreadableBodyError for precision %s', (precision) => {
      expect(() => parse('m,camera_id=a f=1', precision)).toThrow(UnreadableBodyError)
      expect(() => parse('', precision)).toThrow(/unknown precision/)
    })
  })

  describe('syntax errors', () => {
    it.each([
      [',camera_id=a f=1', 'missing measurement'],
      ['m,camera_id=a', 'missing fields'],
      ['m', 'missing fields'],
      ['m,camera_id=a\\ f=1', "unescaped '=' in the value of tag 'camera_id'"],
      ['m,=a f=1', 'missing tag key'],
      ['m,camera_id=a, f=1', 'missing tag key'],
      ['m,camera_id f=1', "missing value for tag 'camera_id'"],
      ['m,camera_id= f=1', "missing value for tag 'camera_id'"],
      ['m,camera_id=a=b f=1', "unescaped '=' in the value of tag 'camera_id'"],
      ['m,camera_id=a,camera_id=b f=1', "duplicate tag 'camera_id'"],
      ['m,camera_id=a =1', 'missing field key'],
      ['m,camera_id=a f=1,', 'missing field key'],
      ['m,camera_id=a f=1,,g=2', 'missing field key'],
      ['m,camera_id=a f', "missing value for field 'f'"],
      ['m,camera_id=a f 1', "missing value for field 'f'"],
      ['m,camera_id=a f=', "missing value for field 'f'"],
      ['m,camera_id=a f=,g=1', "missing value for field 'f'"],
    ])('rejects %s: %s', (line, message) => {
      expect(error(line)).toBe(message)
    })

    it('accepts leading blanks and runs of blanks between sections', () => {
      expect(value(` \t m,camera_id=a  \t f=1 \t ${NOW_NS}`)).toEqual({ cameraId: 'a', ts: NOW, metrics: { f: 1 } })
    })
  })

  describe('lines', () => {
    it('skips blank lines and comments, which are not items, and accepts \\r\\n', () => {
      const body = [
        '# a comment with camera_id=x f="y',
        '',
        'm,camera_id=a f=1',
        '   ',
        '  # indented comment',
        'm,camera_id=b f=bad',
        'm,camera_id=c f=3',
        '',
      ].join('\r\n')
      expect(parse(body)).toEqual([
        { ok: true, value: { cameraId: 'a', ts: NOW, metrics: { f: 1 } } },
        { ok: false, error: "field 'f' has an invalid value 'bad'" },
        { ok: true, value: { cameraId: 'c', ts: NOW, metrics: { f: 3 } } },
      ])
    })

    it('ends a line at every newline, even inside quotes, since values cannot hold one', () => {
      expect(parse('m,camera_id=a s="x\nm,camera_id=b f=1"')).toEqual([
        { ok: false, error: "field 's' is a string; only numbers and booleans are accepted" },
        { ok: false, error: "field 'f' has an invalid value '1\"'" },
      ])
    })

    it('ignores a UTF-8 byte order mark', () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# c\nm,camera_id=a f=1')])
      expect(parseLineProtocol(body, { now: NOW })).toHaveLength(1)
    })

    it('reads invalid UTF-8 as replacement characters, which validation then refuses', () => {
      const body = Buffer.concat([Buffer.from('m,camera_id=a'), Buffer.from([0xff, 0xc3]), Buffer.from(' f=1')])
      const [item] = parseLineProtocol(body, { now: NOW })
      expect(item?.ok && (item.value as { cameraId: string }).cameraId).toBe('a\ufffd\ufffd')
    })

    it(`rejects a line longer than ${MAX_LINE_BYTES} bytes as an item, keeping its neighbours`, () => {
      const fields = (n: number): string => Array.from({ length: n }, (_, i) => `f${i}=1`).join(',')
      const head = 'm,camera_id=a '
      let atLimit = head + fields(12_000)
      atLimit = atLimit.slice(0, atLimit.lastIndexOf(',', MAX_LINE_BYTES - 10))
      atLimit += ',z=' + '1'.repeat(MAX_LINE_BYTES - atLimit.length - 3)
      expect(Buffer.byteLength(atLimit)).toBe(MAX_LINE_BYTES)
      const items = parse(`${atLimit}\n${atLimit}1\nm,camera_id=b f=1`)
      expect(items[0]?.ok).toBe(true)
      expect(items[1]).toEqual({ ok: false, error: `line is longer than ${MAX_LINE_BYTES} bytes` })
      expect(items[2]?.ok).toBe(true)
    })

    it('reads a 16 MiB body of points in reasonable time', () => {
      const line = `camera,camera_id=lobby-03,seq=1 fps=24.8,temperature_c=51.5,disk_used_pct=71.2,ok=t ${NOW_NS}\n`
      const count = Math.floor((16 * 1024 * 1024) / line.length)
      const started = performance.now()
      const items = parse(Buffer.from(line.repeat(count)))
      expect(items).toHaveLength(count)
      expect(items.every((item) => item.ok)).toBe(true)
      expect(performance.now() - started).toBeLessThan(5000)
    })

    it('turns a 16 MiB unterminated line into one item error quickly', () => {
      const started = performance.now()
      expect(parse(`m,camera_id=a s="${'x, =\\"'.repeat(3_000_000)}`)).toEqual([
        { ok: false, error: `line is longer than ${MAX_LINE_BYTES} bytes` },
      ])
      expect(parse('a\\'.repeat(8_000_000))).toHaveLength(1)
      expect(performance.now() - started).toBeLessThan(2000)
    })
  })
})
