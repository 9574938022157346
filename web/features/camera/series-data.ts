import type { Series } from '../../api/camtel.js'

export interface AlignedSeries {
  /** x values in seconds (uPlot's time unit). */
  xs: number[]
  /** Per input series: values, and min/max where the tier has them; null where there is none. */
  lines: Array<{ values: Array<number | null>; mins?: Array<number | null>; maxs?: Array<number | null> }>
}

/**
 * Puts several series on one x axis (uPlot wants columns), and breaks the lines where data is
 * missing for much longer than the usual spacing: an outage shows as a gap, not as a straight
 * line drawn across it.
 */
export function alignSeries(series: readonly Pick<Series, 'points' | 'stats'>[]): AlignedSeries {
  const set = new Set<number>()
  for (const s of series) for (const [t] of s.points) set.add(t)
  const times = [...set].sort((a, b) => a - b)
  const gaps = gapsIn(times)
  const xs: number[] = []
  const index = new Map<number, number>()
  for (const [i, t] of times.entries()) {
    const prev = times[i - 1]
    // A null just after the last point before a gap: uPlot then draws no line across it.
    if (prev !== undefined && gaps.has(i)) xs.push((prev + 1) / 1000)
    index.set(t, xs.length)
    xs.push(t / 1000)
  }
  const lines = series.map((s) => {
    const values: Array<number | null> = new Array(xs.length).fill(null)
    for (const [t, v] of s.points) values[index.get(t) as number] = v
    if (!s.stats || s.stats.length === 0) return { values }
    const mins: Array<number | null> = new Array(xs.length).fill(null)
    const maxs: Array<number | null> = new Array(xs.length).fill(null)
    for (const [t, min, max] of s.stats) {
      const i = index.get(t)
      if (i === undefined) continue
      mins[i] = min
      maxs[i] = max
    }
    return { values, mins, maxs }
  })
  return { xs, lines }
}

/** Neighbouring intervals an interval is judged against. */
const WINDOW = 3

/**
 * Indexes i where the interval from times[i - 1] is a gap: over three times the median of the
 * intervals around it. Local, because spacing changes along a series (a backfill every minute,
 * then live reports every ten seconds); jitter and one missed report never break a line.
 */
function gapsIn(times: readonly number[]): Set<number> {
  const gaps = new Set<number>()
  const d: number[] = []
  for (let i = 1; i < times.length; i++) d.push((times[i] as number) - (times[i - 1] as number))
  if (d.length < 3) return gaps
  for (let k = 0; k < d.length; k++) {
    const around = [...d.slice(Math.max(0, k - WINDOW), k), ...d.slice(k + 1, k + 1 + WINDOW)].sort((a, b) => a - b)
    const median = around[Math.floor(around.length / 2)] as number
    if ((d[k] as number) > 3 * median) gaps.add(k + 1)
  }
  return gaps
}

/**
 * A counter (it only grows, except when the device resets it) as its increase per minute between
 * consecutive points; after a reset the new count is the increase. The raw total of a counter
 * says little, its rate says whether things are getting worse.
 */
export function counterRate(points: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 1; i < points.length; i++) {
    const [t0, v0] = points[i - 1] as [number, number]
    const [t1, v1] = points[i] as [number, number]
    if (t1 <= t0) continue
    const increase = v1 >= v0 ? v1 - v0 : v1
    out.push([t1, (increase * 60_000) / (t1 - t0)])
  }
  return out
}
