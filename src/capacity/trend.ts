/**
 * Projections behind GET /api/v1/capacity: robust (Theil-Sen) trends on rollup buckets, gated so
 * that noise and loop recording's sawtooth give no projection rather than a wrong one.
 * docs/capacity.md explains each choice.
 */
import { theilSen } from '../predict/stats.js'
import type { RollupBucket } from '../store/ports.js'

export const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
/** Disk trends use blocks of this length: the maximum of the hourly means in each. */
const BLOCK_MS = 6 * HOUR_MS
/** A card is full at 100 %; footage is lost from about 99.5 % (the disk_full prediction's threshold). */
export const DISK_FULL_PCT = 100
/** A drop this large between blocks is a card cleared or replaced: the trend starts again after it. */
const RESET_DROP_PCT = 8
/** A fill slower than this (points a day) is loop recording's drift, not a fill. */
const MIN_FILL_PCT_PER_DAY = 0.05
/** ... and a rise smaller than this over the window is within loop recording's sawtooth. */
const MIN_RISE_PCT = 1
/** Share of point pairs that must agree on the direction of a trend. */
const MIN_AGREEMENT = 0.7
/** Projections further out than this are not given: a few weeks of data do not say that much. */
export const MAX_PROJECTION_DAYS = 365
/** An uplink trend needs peaks of at least this many days. */
const MIN_UPLINK_DAYS = 3

export interface DiskProjection {
  /** Days from `at` until the disk is full; null when it is not filling (or beyond the horizon). */
  daysUntilFull: number | null
  /** Fill rate in points a day when filling, else null. */
  pctPerDay: number | null
}

const mean = (b: RollupBucket) => b.sum / b.count

/** Per block of `blockMs`, the largest hourly mean and the middle of its hour. */
function blockMaxima(hourly: readonly RollupBucket[], blockMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let block = Number.NaN
  for (const b of hourly) {
    if (b.count === 0) continue
    const start = Math.floor(b.ts / blockMs) * blockMs
    const v = mean(b)
    const last = out.at(-1)
    if (start !== block || !last) {
      out.push([b.ts + HOUR_MS / 2, v])
      block = start
    } else if (v > last[1]) {
      last[0] = b.ts + HOUR_MS / 2
      last[1] = v
    }
  }
  return out
}

/** The points after the last drop larger than `drop` (a reset), or all of them. */
function sinceLastReset(points: Array<[number, number]>, drop: number): Array<[number, number]> {
  let start = 0
  for (let i = 1; i < points.length; i++) if ((points[i] as [number, number])[1] < (points[i - 1] as [number, number])[1] - drop) start = i
  return points.slice(start)
}

const days = (points: ReadonlyArray<readonly [number, number]>) => points.map((p) => p[0] / DAY_MS)
const values = (points: ReadonlyArray<readonly [number, number]>) => points.map((p) => p[1])

/**
 * When a disk fills up, from hourly rollups of `disk_used_pct`: a Theil-Sen trend on six-hour
 * maxima since the card was last cleared, at data time `at`. Loop recording holds use flat
 * however high it is, so only a clear, consistent climb counts as filling.
 */
export function projectDisk(hourly: readonly RollupBucket[], at: number): DiskProjection {
  const points = sinceLastReset(blockMaxima(hourly, BLOCK_MS), RESET_DROP_PCT)
  const trend = theilSen(days(points), values(points), at / DAY_MS, 4)
  if (
    trend === undefined ||
    trend.span < 1 ||
    trend.agreement < MIN_AGREEMENT ||
    trend.slope < MIN_FILL_PCT_PER_DAY ||
    trend.slope * trend.span < MIN_RISE_PCT
  ) {
    return { daysUntilFull: null, pctPerDay: null }
  }
  const left = trend.level >= DISK_FULL_PCT ? 0 : (DISK_FULL_PCT - trend.level) / trend.slope
  return { daysUntilFull: left > MAX_PROJECTION_DAYS ? null : round(left, 2), pctPerDay: round(trend.slope, 3) }
}

/**
 * Growth of a gauge that only climbs (cloud_used_gb), in units a day: a Theil-Sen slope on
 * six-hour means since its last drop; 0 with too little data.
 */
export function growthPerDay(hourly: readonly RollupBucket[], at: number): number {
  const blocks: Array<[number, number]> = []
  let block = Number.NaN
  let sum = 0
  let n = 0
  const flush = () => {
    if (n > 0) blocks.push([block + BLOCK_MS / 2, sum / n])
  }
  for (const b of hourly) {
    if (b.count === 0) continue
    const start = Math.floor(b.ts / BLOCK_MS) * BLOCK_MS
    if (start !== block) {
      flush()
      block = start
      sum = 0
      n = 0
    }
    sum += mean(b)
    n++
  }
  flush()
  const points = sinceLastReset(blocks, 0)
  const trend = theilSen(days(points), values(points), at / DAY_MS, 3)
  return trend === undefined || trend.span < 0.5 ? 0 : trend.slope
}

export interface UplinkProjection {
  /** Each day's busiest hour: [middle of the hour, summed Mbit/s]. */
  peaks: Array<[number, number]>
  /** Trend of the daily peak at `at`, Mbit/s; null without enough days. */
  peakMbps: number | null
  /** Growth of the daily peak, Mbit/s a day; null when not growing measurably. */
  mbpsPerDay: number | null
  /** Data time at which the peak reaches the capacity; null when it does not within the horizon. */
  fullAt: number | null
}

/**
 * A site's uplink: the hourly means of its cameras' `bandwidth_mbps` summed per hour, each
 * complete day's busiest hour, and a Theil-Sen trend on those daily peaks projected to `capacity` (the uplink
 * fills when its busiest hour does).
 */
export function projectUplink(cameras: ReadonlyArray<readonly RollupBucket[]>, at: number, capacity: number | null): UplinkProjection {
  const sums = new Map<number, number>()
  for (const hourly of cameras) for (const b of hourly) if (b.count > 0) sums.set(b.ts, (sums.get(b.ts) ?? 0) + mean(b))
  const byDay = new Map<number, [number, number]>()
  for (const [ts, v] of [...sums].sort((a, b) => a[0] - b[0])) {
    const day = Math.floor(ts / DAY_MS)
    const best = byDay.get(day)
    if (!best || v > best[1]) byDay.set(day, [ts + HOUR_MS / 2, v])
  }
  // The day under way has not had its busy hours yet: its peak so far would read as a drop.
  const today = Math.floor(at / DAY_MS)
  if (at - today * DAY_MS < DAY_MS - HOUR_MS) byDay.delete(today)
  const peaks = [...byDay.values()].map(([ts, v]) => [ts, round(v, 3)] as [number, number])
  const trend = theilSen(days(peaks), values(peaks), at / DAY_MS, 4)
  if (trend === undefined || trend.span < MIN_UPLINK_DAYS) return { peaks, peakMbps: null, mbpsPerDay: null, fullAt: null }
  const level = Math.max(0, trend.level)
  const minRise = capacity !== null ? 0.01 * capacity : 0.5
  const growing = trend.slope > 0 && trend.agreement >= MIN_AGREEMENT - 0.1 && trend.slope * trend.span >= minRise
  let fullAt: number | null = null
  if (capacity !== null && level >= capacity) fullAt = at
  else if (capacity !== null && growing) {
    const left = (capacity - level) / trend.slope
    if (left <= MAX_PROJECTION_DAYS) fullAt = Math.round(at + left * DAY_MS)
  }
  return { peaks, peakMbps: round(level, 3), mbpsPerDay: growing ? round(trend.slope, 4) : null, fullAt }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
