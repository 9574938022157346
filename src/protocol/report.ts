import { Type, type Static } from 'typebox'

/**
 * A telemetry report on the wire (DESIGN §2). The schema documents the contract in OpenAPI;
 * `validateReport` enforces it on the hot path with precise messages, and the fuzz tests check
 * that the two agree.
 */
export const CAMERA_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'
export const METRIC_NAME_PATTERN = '^[a-z][a-z0-9_]{0,63}$'
export const MAX_METRICS_PER_REPORT = 256
/** Reports may be at most this far ahead of the server's clock. */
export const MAX_FUTURE_MS = 60 * 60 * 1000

export const WireReport = Type.Object(
  {
    cameraId: Type.String({ pattern: CAMERA_ID_PATTERN, description: '1-128 chars of A-Za-z0-9._:-' }),
    seq: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'per-camera sequence number' }),
    ),
    ts: Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: 0 })], {
      description: 'RFC 3339 string or epoch milliseconds',
    }),
    metrics: Type.Record(Type.String({ pattern: METRIC_NAME_PATTERN }), Type.Union([Type.Number(), Type.Boolean()]), {
      maxProperties: MAX_METRICS_PER_REPORT,
    }),
  },
  { additionalProperties: false },
)
export type WireReport = Static<typeof WireReport>

/**
 * A validated report: timestamps in epoch ms, booleans as 1/0. `metrics` is a plain object
 * with own data properties only: look a name up with `typeof … === 'number'` or Object.hasOwn.
 */
export interface Report {
  readonly cameraId: string
  readonly seq: number | undefined
  readonly ts: number
  readonly metrics: Readonly<Record<string, number>>
}

export type ReportCheck = { ok: true; report: Report } | { ok: false; error: string }

const cameraIdRe = new RegExp(CAMERA_ID_PATTERN)
const metricNameRe = new RegExp(METRIC_NAME_PATTERN)
// RFC 3339: date, 'T' or space, time, optional fraction, Z or offset.
const rfc3339Re = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

export function isValidCameraId(id: unknown): id is string {
  return typeof id === 'string' && cameraIdRe.test(id)
}

export function isValidMetricName(name: string): boolean {
  return metricNameRe.test(name)
}

/** Parses an RFC 3339 timestamp or epoch milliseconds; undefined when it is neither. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  }
  if (typeof value !== 'string') return undefined
  const m = rfc3339Re.exec(value)
  if (!m) {
    // Epoch milliseconds sent as a string (query parameters always are).
    if (/^\d{1,16}$/.test(value)) return parseTimestamp(Number(value))
    return undefined
  }
  const [, y, mo, d, h, mi, s] = m
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return undefined
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined
  const ms = Date.parse(value.replace(' ', 'T'))
  if (!Number.isFinite(ms) || ms < 0) return undefined
  // Date.parse rolls 2026-02-31 over to March; a real RFC 3339 date must round-trip.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (day.getUTCDate() !== Number(d)) return undefined
  return ms
}

const allowedFields = new Set(['cameraId', 'seq', 'ts', 'metrics'])

/**
 * Checks one report against DESIGN §2. `now` is the server clock in epoch ms.
 * Never throws; a hostile object (getters, prototypes) is read only through own data properties.
 */
export function validateReport(raw: unknown, now: number): ReportCheck {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: 'a report must be a JSON object' }
  }
  for (const key of Object.keys(raw)) {
    if (!allowedFields.has(key)) return { ok: false, error: `unknown field '${truncate(key)}'` }
  }
  const r = raw as Record<string, unknown>
  if (!Object.hasOwn(r, 'cameraId')) return { ok: false, error: 'cameraId is required' }
  if (!isValidCameraId(r.cameraId)) {
    return { ok: false, error: 'cameraId must be 1-128 characters of A-Za-z0-9._:-' }
  }
  let seq: number | undefined
  if (Object.hasOwn(r, 'seq') && r.seq !== undefined) {
    if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 0) {
      return { ok: false, error: 'seq must be a non-negative integer' }
    }
    seq = r.seq
  }
  if (!Object.hasOwn(r, 'ts')) return { ok: false, error: 'ts is required' }
  const ts = parseTimestamp(r.ts)
  if (ts === undefined) return { ok: false, error: 'ts must be an RFC 3339 timestamp or epoch milliseconds' }
  if (ts > now + MAX_FUTURE_MS) return { ok: false, error: 'ts is more than 1 hour ahead of the server clock' }
  if (!Object.hasOwn(r, 'metrics')) return { ok: false, error: 'metrics is required' }
  const rawMetrics = r.metrics
  if (rawMetrics === null || typeof rawMetrics !== 'object' || Array.isArray(rawMetrics)) {
    return { ok: false, error: 'metrics must be an object' }
  }
  const names = Object.keys(rawMetrics)
  if (names.length > MAX_METRICS_PER_REPORT) {
    return { ok: false, error: `metrics has ${names.length} entries, at most ${MAX_METRICS_PER_REPORT} allowed` }
  }
  // Built in one go by Object.fromEntries, which V8 keeps in fast mode: a null-prototype object,
  // or a plain one filled name by name (the store site sees a new name each time), is a slow
  // dictionary past a dozen properties, and every later walk of it pays (the pipeline, the
  // store's packer, the fleet: about 1.2 µs a walk of 30 metrics against 0.06). Safe as data:
  // the name pattern admits no '__proto__' nor any camel-case Object.prototype name, and
  // fromEntries defines own data properties ('constructor' included) rather than assigning.
  const entries: Array<[string, number]> = new Array(names.length)
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string
    if (!metricNameRe.test(name)) {
      return { ok: false, error: `metric name '${truncate(name)}' must match [a-z][a-z0-9_]{0,63}` }
    }
    const v = (rawMetrics as Record<string, unknown>)[name]
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { ok: false, error: `metric '${name}' must be a finite number` }
      entries[i] = [name, v]
    } else if (typeof v === 'boolean') {
      entries[i] = [name, v ? 1 : 0]
    } else {
      return { ok: false, error: `metric '${name}' must be a finite number or a boolean` }
    }
  }
  const metrics: Record<string, number> = Object.fromEntries(entries)
  return { ok: true, report: { cameraId: r.cameraId, seq, ts, metrics } }
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}
