/** Why a line is rejected. A plain class, not an Error: a body may hold millions of bad lines. */
export class Fail {
  constructor(readonly error: string) {}
}

const BOOLEANS = new Map<string, boolean>([
  ['t', true],
  ['T', true],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['f', false],
  ['F', false],
  ['false', false],
  ['False', false],
  ['FALSE', false],
])

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n
const NS_PER_MS = 1_000_000n

/**
 * An unquoted field value: float (`1`, `-1.5`, `2e3`), integer (`1i`), unsigned (`1u`) or
 * boolean, following InfluxDB's grammar; undefined when it is none of them or out of range.
 * Integers beyond 2^53 lose precision as JS numbers, as any metric value would.
 */
export function parseFieldValue(token: string): number | boolean | undefined {
  const bool = BOOLEANS.get(token)
  if (bool !== undefined) return bool
  const body = token.slice(0, -1)
  if (token.endsWith('i')) return parseInteger(body, true, INT64_MIN, INT64_MAX)
  if (token.endsWith('u')) return parseInteger(body, false, 0n, UINT64_MAX)
  if (!isDecimalFloat(token)) return undefined
  const value = Number(token)
  // InfluxDB refuses a float that overflows float64 rather than storing infinity.
  return Number.isFinite(value) ? value : undefined
}

/** Epoch ms from a timestamp token in the given precision, floored; or why it is refused. */
export function timestampToMs(token: string, nsPerUnit: bigint): number | Fail {
  const negative = token.startsWith('-')
  const digits = stripLeadingZeros(negative ? token.slice(1) : token)
  if (digits === undefined) return new Fail('timestamp must be an integer')
  if (digits === '') return 0
  if (negative) return new Fail('timestamp must not be negative')
  // InfluxDB stores int64 nanoseconds: anything past 2262 is out of range in every precision.
  const ns = digits.length > 19 ? undefined : BigInt(digits) * nsPerUnit
  if (ns === undefined || ns > INT64_MAX) return new Fail('timestamp is out of range')
  return Number(ns / NS_PER_MS)
}

function parseInteger(text: string, signed: boolean, min: bigint, max: bigint): number | undefined {
  const negative = signed && text.startsWith('-')
  const digits = stripLeadingZeros(negative ? text.slice(1) : text)
  if (digits === undefined) return undefined
  // 20 digits bound both int64 and uint64; the check keeps BigInt away from 64 KiB of digits.
  if (digits.length > 20) return undefined
  const value = digits === '' ? 0n : BigInt(negative ? `-${digits}` : digits)
  return value < min || value > max ? undefined : Number(value)
}

/** The digits without leading zeros ('' for zero); undefined unless `text` is one or more ASCII digits. */
function stripLeadingZeros(text: string): string | undefined {
  if (text === '') return undefined
  let first = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
    if (first === -1 && c !== 0x30) first = i
  }
  return first === -1 ? '' : text.slice(first)
}

/** `-?(digits[.digits?] | .digits)([eE][+-]?digits)?`, which is what InfluxDB and Number() both accept. */
function isDecimalFloat(s: string): boolean {
  let i = s.charCodeAt(0) === 0x2d ? 1 : 0
  const intDigits = countDigits(s, i)
  i += intDigits
  let fracDigits = 0
  if (s.charCodeAt(i) === 0x2e) {
    fracDigits = countDigits(s, i + 1)
    i += 1 + fracDigits
  }
  if (intDigits + fracDigits === 0) return false
  if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
    i++
    if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++
    const expDigits = countDigits(s, i)
    if (expDigits === 0) return false
    i += expDigits
  }
  return i === s.length
}

function countDigits(s: string, from: number): number {
  let i = from
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++
  return i - from
}
