import { type HistoryTier, ROLLUP_BUCKET_MS } from '../store/ports.js'

/** How long each tier keeps data, in seconds (CAMTEL_RETENTION_RAW, _1M, _1H). */
export interface Retention {
  raw: number
  '1m': number
  '1h': number
}

/** Without `step`, raw points are returned up to this many; past it the answer is bucketed. */
export const MAX_POINTS = 100_000
/** Bucketed answers aim for about this many points when the step is chosen for the caller. */
export const AUTO_POINTS = 1_000
/**
 * The longest range read from raw rows: longer ones come from the rollups, so that a 30-day
 * chart reads about 720 one-hour rows rather than 260,000 reports of a camera.
 */
export const MAX_RAW_RANGE_MS = 7 * 86_400_000

export interface SeriesPlan {
  tier: HistoryTier
  /** Bucket length of the answer in ms; undefined for raw points as stored. */
  stepMs: number | undefined
}

const MINUTE = ROLLUP_BUCKET_MS['1m']
const HOUR = ROLLUP_BUCKET_MS['1h']

/**
 * Picks the tier a series is read from (DESIGN §4). Raw data serves ranges that lie within the
 * raw retention and span at most MAX_RAW_RANGE_MS, as points or in steps that are no multiple
 * of a minute; the 1-minute tier serves minute multiples within its retention; the 1-hour tier
 * everything else. A step the chosen tier cannot give exactly is rounded up to a multiple of
 * its bucket. Without a step, raw points where the range has raw data, else about AUTO_POINTS
 * buckets of a round length.
 */
export function planSeries(q: { from: number; to: number; stepMs: number | undefined; now: number; retention: Retention }): SeriesPlan {
  const rawUsable = q.from >= q.now - q.retention.raw * 1000 && q.to - q.from <= MAX_RAW_RANGE_MS
  const minuteUsable = q.from >= q.now - q.retention['1m'] * 1000
  if (q.stepMs === undefined) {
    if (rawUsable) return { tier: 'raw', stepMs: undefined }
    return planSeries({ ...q, stepMs: autoStep(q.from, q.to) })
  }
  const step = q.stepMs
  if (step % HOUR === 0) return { tier: '1h', stepMs: step }
  if (step % MINUTE === 0 && minuteUsable) return { tier: '1m', stepMs: step }
  if (rawUsable) return { tier: 'raw', stepMs: step }
  if (minuteUsable) return { tier: '1m', stepMs: roundUp(step, MINUTE) }
  return { tier: '1h', stepMs: roundUp(step, HOUR) }
}

const NICE_STEPS_MS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000)

/** A round step that gives about AUTO_POINTS buckets over the range. */
export function autoStep(from: number, to: number): number {
  const ms = Math.max(1, (to - from) / AUTO_POINTS)
  return NICE_STEPS_MS.find((s) => s >= ms) ?? Math.ceil(ms / 86_400_000) * 86_400_000
}

function roundUp(ms: number, unit: number): number {
  return Math.max(unit, Math.ceil(ms / unit) * unit)
}
