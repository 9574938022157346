import { METRIC_INFO } from '../../src/protocol/metrics.js'

/** Units and kinds of the known metrics (DESIGN §2), shared with the server. */
export { KNOWN_METRICS, METRIC_INFO, type MetricInfo } from '../../src/protocol/metrics.js'

const UNIT_SHOWN: Record<string, string> = { bool: '', count: '', score: '/100' }

/** The unit to print after a value of `metric`, or '' for booleans and plain counts. */
export function unitOf(metric: string): string {
  const unit = METRIC_INFO.get(metric)?.unit ?? ''
  return UNIT_SHOWN[unit] ?? unit
}

/**
 * Number formats made once: `toLocaleString` with a locale builds a new formatter at every call,
 * which costs more than the rest of rendering a camera row.
 */
const formats = new Map<string, Intl.NumberFormat>()
function numberFormat(min: number, max: number): Intl.NumberFormat {
  const key = `${min}-${max}`
  let f = formats.get(key)
  if (!f) formats.set(key, (f = new Intl.NumberFormat('en-GB', { minimumFractionDigits: min, maximumFractionDigits: max })))
  return f
}

/** A count with thousands separators: `10,000`. */
export function formatCount(n: number): string {
  return numberFormat(0, 0).format(n)
}

/** A number with as many decimals as its size deserves: 1234, 56.7, 8.91, 0.042. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '—'
  const a = Math.abs(v)
  const digits = a >= 100 || Number.isInteger(v) ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
  return numberFormat(0, digits).format(v)
}

/** A metric's value as text with its unit: `24.8 fps`, `71.2 %`, `yes`. */
export function formatMetric(metric: string, v: number | undefined): string {
  if (v === undefined) return '—'
  if (METRIC_INFO.get(metric)?.kind === 'bool') return v ? 'yes' : 'no'
  // Seconds since boot read better as days and hours.
  if (metric === 'uptime_s') return formatDuration(v * 1000)
  const unit = unitOf(metric)
  if (unit === '') return formatNumber(v)
  return unit === '/100' || unit === '%' ? `${formatNumber(v)}${unit === '%' ? ' %' : unit}` : `${formatNumber(v)} ${unit}`
}

/** `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`; `never` for no time. */
export function formatAgo(at: string | number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never'
  const t = typeof at === 'number' ? at : Date.parse(at)
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86_400)} d ago`
}

/** `3 h 12 min`, `45 s`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`
  const d = Math.floor(h / 24)
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`
}

/** Axis labels: `1,250`, `24.95`, with the decimals the tick spacing needs and no more. */
export function formatTick(v: number, increment: number): string {
  const digits = increment > 0 && increment < 1 ? Math.min(6, Math.ceil(-Math.log10(increment) - 1e-9)) : 0
  return numberFormat(digits, digits).format(v)
}

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' })
const hourMinute = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' })

/** Time axis labels: hours and minutes within a day, the date beyond a few days. */
export function formatTimeTick(ms: number, spanMs: number): string {
  if (spanMs <= 2 * 86_400_000) return hourMinute.format(ms)
  if (spanMs <= 8 * 86_400_000) return `${dayMonth.format(ms)} ${hourMinute.format(ms)}`
  return dayMonth.format(ms)
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })

export function formatDateTime(at: string | number): string {
  return dateTime.format(typeof at === 'number' ? at : Date.parse(at))
}

export function formatTime(at: string | number): string {
  return time.format(typeof at === 'number' ? at : Date.parse(at))
}
