/**
 * Robust statistics for short, noisy series (a few weeks of daily values): medians and
 * Theil-Sen trends, which a single outlier day (a heatwave afternoon, a reboot) cannot drag.
 */

export function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
}

// Scratch space: the detectors run for every camera-hour, so these must not allocate.
let scratch: Float64Array = new Float64Array(64)
let slopes: Float64Array = new Float64Array(512)

function room(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2))
}

/** Linear-interpolated quantile of the finite values, NaN when there are none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  scratch = room(scratch, values.length)
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (Number.isFinite(v)) scratch[n++] = v
  }
  return sortedQuantile(scratch, n, q)
}

/** Quantile of the first n values of buf, which it reorders (quickselect: linear time, no allocation). */
function sortedQuantile(buf: Float64Array, n: number, q: number): number {
  if (n === 0) return Number.NaN
  const pos = clamp(q, 0, 1) * (n - 1)
  const lo = Math.floor(pos)
  const a = select(buf, n, lo)
  if (pos === lo) return a
  // The next order statistic is the smallest value right of the selected one.
  let b = Number.POSITIVE_INFINITY
  for (let i = lo + 1; i < n; i++) if ((buf[i] as number) < b) b = buf[i] as number
  return a + (b - a) * (pos - lo)
}

/** Hoare's quickselect: puts the k-th smallest of buf[0..n) at k, smaller left, larger right. */
function select(buf: Float64Array, n: number, k: number): number {
  let left = 0
  let right = n - 1
  while (right > left) {
    const pivot = buf[(left + right) >> 1] as number
    let i = left
    let j = right
    while (i <= j) {
      while ((buf[i] as number) < pivot) i++
      while ((buf[j] as number) > pivot) j--
      if (i <= j) {
        const t = buf[i] as number
        buf[i] = buf[j] as number
        buf[j] = t
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else break
  }
  return buf[k] as number
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5)
}

export interface Trend {
  /** Change per unit of x (per day for daily series). */
  readonly slope: number
  /** The fitted value at x = `at`. */
  readonly level: number
  /** Points used. */
  readonly n: number
  /** Span of x covered, in units of x. */
  readonly span: number
  /** Share of point pairs whose slope has the sign of `slope` (1 = every pair agrees). */
  readonly agreement: number
}

/**
 * Theil-Sen estimator: the median of all pairwise slopes, with the level at `at` the median of
 * the points moved along that slope. Breakdown point ~29 %: a few bad days do not bend it.
 * Non-finite points are skipped. Undefined with fewer than `minPoints` points.
 */
export function theilSen(xs: ArrayLike<number>, ys: ArrayLike<number>, at: number, minPoints = 3): Trend | undefined {
  let n = 0
  const px: number[] = []
  const py: number[] = []
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number
    const y = ys[i] as number
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue
    px.push(x)
    py.push(y)
    n++
    if (x < min) min = x
    if (x > max) max = x
  }
  if (n < minPoints) return undefined
  slopes = room(slopes, (n * (n - 1)) / 2)
  let m = 0
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (px[j] as number) - (px[i] as number)
      if (dx !== 0) slopes[m++] = ((py[j] as number) - (py[i] as number)) / dx
    }
  }
  if (m === 0) return undefined
  let agree = 0
  const slope = sortedQuantile(slopes, m, 0.5)
  const sign = Math.sign(slope)
  for (let k = 0; k < m; k++) if (sign !== 0 && Math.sign(slopes[k] as number) === sign) agree++
  scratch = room(scratch, n)
  for (let i = 0; i < n; i++) scratch[i] = (py[i] as number) - slope * ((px[i] as number) - at)
  return { slope, level: sortedQuantile(scratch, n, 0.5), n, span: max - min, agreement: slope === 0 ? 0 : agree / m }
}

/**
 * Time for a level moving at `slope` to reach `threshold` from below (`up`) or above (`down`),
 * in units of x: 0 when already there, Infinity when moving away or slower than `minSlope`.
 */
export function timeToThreshold(level: number, slope: number, threshold: number, direction: 'up' | 'down', minSlope: number): number {
  if (direction === 'up') {
    if (level >= threshold) return 0
    return slope >= minSlope ? (threshold - level) / slope : Number.POSITIVE_INFINITY
  }
  if (level <= threshold) return 0
  return slope <= -minSlope ? (level - threshold) / -slope : Number.POSITIVE_INFINITY
}

/**
 * Projections further out than this are not forecasts: a trend that needs two months to reach a
 * failure says more about noise than about the next 30 days.
 */
export const MAX_FORECAST_DAYS = 60

/** A projected time to failure, or Infinity beyond MAX_FORECAST_DAYS. */
export function forecast(days: number): number {
  return days <= MAX_FORECAST_DAYS ? days : Number.POSITIVE_INFINITY
}

/** log(t / horizon), clipped: the shared scale on which time-to-failure enters the risk models. */
export function logTime(days: number, horizonDays = 30): number {
  if (!(days > 0)) return -4
  return clamp(Math.log(days / horizonDays), -4, 2)
}
