import type { FailureMode } from '../../protocol/predictions.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * The two baselines the evaluation compares with, fed the very reports sent to the server.
 *
 * - `static`: a threshold on each camera's latest value, as a dashboard rule would (the
 *   default alert thresholds where one fits, a little earlier where the rule is the failure).
 * - `linear`: Prometheus `predict_linear(metric[3d], 30d)`: an ordinary least-squares line over
 *   the camera's last three days of samples, raised when it crosses the failure level within
 *   30 days (for reboots: the counter's line projecting 12 or more reboots in the next day).
 * Both read free memory for the reboot loop too (below 10 %; a line reaching 3 %), besides the
 * uptime and the reboot counter.
 */
interface Rule {
  readonly mode: FailureMode
  readonly metric: string
  /** Static: raised when the latest value is past this. */
  readonly staticAt: number
  /** Linear: raised when the projection reaches this. */
  readonly failAt: number
  readonly direction: 'up' | 'down'
}

const RULES: readonly Rule[] = [
  { mode: 'overheating', metric: 'temperature_c', staticAt: 70, failAt: 85, direction: 'up' },
  { mode: 'disk_failure', metric: 'disk_health_pct', staticAt: 20, failAt: 5, direction: 'down' },
  { mode: 'disk_full', metric: 'disk_used_pct', staticAt: 95, failAt: 99.5, direction: 'up' },
  { mode: 'power_instability', metric: 'voltage_v', staticAt: 44, failAt: 40, direction: 'down' },
  { mode: 'network_degradation', metric: 'packet_loss_pct', staticAt: 2, failAt: 15, direction: 'up' },
  { mode: 'image_degradation', metric: 'image_quality', staticAt: 50, failAt: 40, direction: 'down' },
  // A leak's precursor, where the camera reports it: little memory left, or a line heading out of it.
  { mode: 'reboot_loop', metric: 'memory_free_pct', staticAt: 10, failAt: 3, direction: 'down' },
]
const WINDOW_MS = 3 * DAY
const HORIZON_MS = 30 * DAY
/** Samples kept per camera and metric: three days at one an hour (older ones are thinned). */
const MAX_POINTS = 72
const LOOP_REBOOTS_PER_DAY = 12

interface Points {
  ts: number[]
  v: number[]
}

export interface BaselineRaise {
  readonly cameraId: string
  readonly mode: FailureMode
  readonly eta: number | null
}

export class Baselines {
  private readonly latest = new Map<string, Record<string, number>>()
  private readonly history = new Map<string, Map<string, Points>>()

  add(cameraId: string, ts: number, metrics: Readonly<Record<string, number>>): void {
    this.latest.set(cameraId, { ...this.latest.get(cameraId), ...metrics })
    let mine = this.history.get(cameraId)
    if (mine === undefined) this.history.set(cameraId, (mine = new Map()))
    for (const metric of [...RULES.map((r) => r.metric), 'reboots']) {
      const v = metrics[metric]
      if (v === undefined) continue
      let p = mine.get(metric)
      if (p === undefined) mine.set(metric, (p = { ts: [], v: [] }))
      const last = p.ts[p.ts.length - 1]
      // One point an hour is all a three-day window needs.
      if (last !== undefined && ts - last < HOUR && p.ts.length > 0) {
        p.ts[p.ts.length - 1] = ts
        p.v[p.v.length - 1] = v
      } else {
        p.ts.push(ts)
        p.v.push(v)
      }
      while (p.ts.length > MAX_POINTS || (p.ts.length > 0 && (p.ts[0] as number) < ts - WINDOW_MS)) {
        p.ts.shift()
        p.v.shift()
      }
    }
  }

  /** What the static-threshold baseline has raised now. */
  staticRaised(): BaselineRaise[] {
    const out: BaselineRaise[] = []
    for (const [cameraId, m] of this.latest) {
      for (const r of RULES) {
        const v = m[r.metric]
        if (v !== undefined && (r.direction === 'up' ? v > r.staticAt : v < r.staticAt)) out.push({ cameraId, mode: r.mode, eta: null })
      }
      if (m.uptime_s !== undefined && m.uptime_s < 3600) out.push({ cameraId, mode: 'reboot_loop', eta: null })
    }
    return out
  }

  /** What the predict_linear baseline has raised at data time `now`. */
  linearRaised(now: number): BaselineRaise[] {
    const out: BaselineRaise[] = []
    for (const [cameraId, mine] of this.history) {
      for (const r of RULES) {
        const p = mine.get(r.metric)
        const fit = p && leastSquares(p)
        if (fit === undefined) continue
        const at = now + HORIZON_MS
        const projected = fit.value(at)
        if (r.direction === 'up' ? projected >= r.failAt : projected <= r.failAt) {
          const eta = fit.slope !== 0 ? (r.failAt - fit.intercept) / fit.slope : Number.NaN
          out.push({ cameraId, mode: r.mode, eta: Number.isFinite(eta) ? Math.max(now, eta) : null })
        }
      }
      const reboots = mine.get('reboots')
      const fit = reboots && leastSquares(reboots)
      if (fit !== undefined && fit.slope * DAY >= LOOP_REBOOTS_PER_DAY) out.push({ cameraId, mode: 'reboot_loop', eta: null })
    }
    return out
  }
}

/** Ordinary least squares over the points (at least 3 spanning an hour); x in epoch ms. */
function leastSquares(p: Points): { slope: number; intercept: number; value: (t: number) => number } | undefined {
  const n = p.ts.length
  if (n < 3 || (p.ts[n - 1] as number) - (p.ts[0] as number) < HOUR) return undefined
  const t0 = p.ts[0] as number
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (let i = 0; i < n; i++) {
    const x = (p.ts[i] as number) - t0
    const y = p.v[i] as number
    sx += x
    sy += y
    sxx += x * x
    sxy += x * y
  }
  const den = n * sxx - sx * sx
  if (den === 0) return undefined
  const slope = (n * sxy - sx * sy) / den
  const a = (sy - slope * sx) / n
  const intercept = a - slope * t0
  return { slope, intercept, value: (t) => intercept + slope * t }
}
