import type { Clock } from '../core/clock.js'
import { type HistoryStore, type HistoryTier, ROLLUP_BUCKET_MS, type RollupBucket, type TelemetryStore } from '../store/ports.js'
import { MAX_POINTS, type Retention, autoStep, planSeries } from './plan.js'

/** Raw rows read for one answer at most. */
const MAX_RAW_SCAN = 2_000_000
/** Rollup rows read for one answer at most (90 days of minutes is 129,600). */
const MAX_ROLLUP_SCAN = 500_000

/** The answer of GET /cameras/:id/series (DESIGN §4). */
export interface SeriesAnswer {
  cameraId: string
  metric: string
  tier: HistoryTier
  /** [bucket start or sample ts, value or average of the bucket] */
  points: Array<[number, number]>
  /** [bucket start, min, max, count]; rollup tiers only. */
  stats?: Array<[number, number, number, number]>
}

export interface SeriesRequest {
  cameraId: string
  metric: string
  from: number
  to: number
  stepMs: number | undefined
}

export interface SeriesReaderOptions {
  telemetry: TelemetryStore
  history: HistoryStore
  /** Folds what is pending into the rollups, so that an answer reflects every acknowledged report. */
  flushRollups: () => Promise<void>
  clock: Clock
  retention: Retention
}

/** Reads one metric of one camera from the tier that fits the range and step. */
export class SeriesReader {
  constructor(private readonly o: SeriesReaderOptions) {}

  async read(req: SeriesRequest): Promise<SeriesAnswer> {
    const now = this.o.clock.now()
    // The tier depends on where the data is: "from=0" on a camera with a day of history is a
    // day's range, answered with raw points, not 56 years of hourly buckets.
    const first = await this.o.history.firstDataTime(req.cameraId)
    const from = first === undefined ? req.from : Math.min(req.to, Math.max(req.from, first))
    const plan = planSeries({ from, to: req.to, stepMs: req.stepMs, now, retention: this.o.retention })
    const base = { cameraId: req.cameraId, metric: req.metric }
    if (plan.tier === 'raw') {
      const q = { cameraId: req.cameraId, metric: req.metric, from: req.from, to: req.to }
      if (plan.stepMs === undefined) {
        const raw = await this.o.telemetry.readSeries({ ...q, limit: MAX_POINTS + 1 })
        if (raw.length <= MAX_POINTS) return { ...base, tier: 'raw', points: raw }
        // Too dense to send point by point: the same range in round steps instead.
        return this.read({ ...req, stepMs: autoStep(from, req.to) })
      }
      const raw = await this.o.telemetry.readSeries({ ...q, limit: MAX_RAW_SCAN })
      return { ...base, tier: 'raw', points: bucketAverages(raw, plan.stepMs) }
    }
    await this.o.flushRollups()
    const buckets = await this.o.history.readRollups({ ...base, tier: plan.tier, from: req.from, to: req.to, limit: MAX_ROLLUP_SCAN })
    const merged = plan.stepMs === undefined || plan.stepMs === ROLLUP_BUCKET_MS[plan.tier] ? buckets : mergeBuckets(buckets, plan.stepMs)
    return {
      ...base,
      tier: plan.tier,
      points: merged.map((b) => [b.ts, b.sum / b.count]),
      stats: merged.map((b) => [b.ts, b.min, b.max, b.count]),
    }
  }
}

/** Average of each step-long bucket, aligned to multiples of the step, stamped at its start. */
export function bucketAverages(points: ReadonlyArray<readonly [number, number]>, stepMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let bucket = Number.NaN
  let sum = 0
  let n = 0
  for (const [ts, v] of points) {
    const b = Math.floor(ts / stepMs) * stepMs
    if (b !== bucket) {
      if (n > 0) out.push([bucket, sum / n])
      bucket = b
      sum = 0
      n = 0
    }
    sum += v
    n++
  }
  if (n > 0) out.push([bucket, sum / n])
  return out
}

/** Combines consecutive rollup buckets into step-long ones aligned to multiples of the step. */
export function mergeBuckets(buckets: readonly RollupBucket[], stepMs: number): RollupBucket[] {
  const out: RollupBucket[] = []
  let cur: { ts: number; min: number; max: number; sum: number; count: number } | undefined
  for (const b of buckets) {
    const ts = Math.floor(b.ts / stepMs) * stepMs
    if (cur === undefined || cur.ts !== ts) {
      if (cur) out.push(cur)
      cur = { ts, min: b.min, max: b.max, sum: b.sum, count: b.count }
      continue
    }
    cur.min = Math.min(cur.min, b.min)
    cur.max = Math.max(cur.max, b.max)
    cur.sum += b.sum
    cur.count += b.count
  }
  if (cur) out.push(cur)
  return out
}
