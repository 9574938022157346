import { FAILURE_MODES, type FailureMode } from '../../protocol/predictions.js'
import type { TruthFailure } from '../../sim/index.js'
import { quantile } from '../stats.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Scoring as DOMAIN.md asks: a raise is a true positive when it is the first raise in a window
 * from 30 days to 1 hour before a failure of that camera in that mode; later raises in the same
 * window are repeats and count for nothing; a raise outside every window is false. Raises while
 * the camera is already failed (from 1 h before the failure until 12 h after its repair) are late:
 * neither true nor false, and reported apart. No point adjustment.
 */
export const WINDOW_BEFORE_MS = 30 * DAY
export const WINDOW_END_MS = HOUR
const LATE_AFTER_REPAIR_MS = 12 * HOUR

/** The moment a predictor raised (camera, mode): from not raised to raised. */
export interface Raise {
  readonly cameraId: string
  readonly mode: FailureMode
  readonly at: number
  /** The ETA the predictor gave when it raised, if any. */
  readonly eta: number | null
}

/** Turns successive reads of what is raised into raises (transitions), read by read. */
export class RaiseTracker {
  private raised = new Set<string>()
  readonly raises: Raise[] = []

  read(at: number, current: ReadonlyArray<{ cameraId: string; mode: FailureMode; eta: number | null }>): void {
    const next = new Set<string>()
    for (const p of current) {
      const key = `${p.cameraId}\u0000${p.mode}`
      next.add(key)
      if (!this.raised.has(key)) this.raises.push({ cameraId: p.cameraId, mode: p.mode, at, eta: p.eta })
    }
    this.raised = next
  }
}

export interface ScoreOptions {
  readonly failures: readonly TruthFailure[]
  /** Reads happened within [from, to]; failures are scored when they fall in [from + 2 days, to]. */
  readonly from: number
  readonly to: number
  readonly cameras: number
}

export interface ModeScore {
  readonly mode: FailureMode | 'all'
  /** Failures scored, gradual and abrupt. */
  readonly failures: number
  readonly gradual: number
  readonly detected: number
  readonly detectedGradual: number
  readonly truePositives: number
  readonly falsePositives: number
  readonly late: number
  readonly precision: number
  readonly recall: number
  readonly recallGradual: number
  readonly leadMedianDays: number
  readonly leadP10Days: number
  readonly falsePer1000CameraDays: number
  /** Median of |eta − failure| / lead over detected failures that had an ETA. */
  readonly etaErrorMedian: number
  /** Share of those within 20 % of the truth. */
  readonly etaWithin20: number
  /** The false raises, for the confounder breakdown. */
  readonly falses: readonly Raise[]
}

export function score(raises: readonly Raise[], o: ScoreOptions): ModeScore[] {
  const scoredFrom = o.from + 2 * DAY
  const inScope = (f: TruthFailure) => f.failAt >= scoredFrom && f.failAt <= o.to
  const byKey = new Map<string, TruthFailure[]>()
  for (const f of o.failures) {
    const key = `${f.cameraId}\u0000${f.mode}`
    byKey.set(key, [...(byKey.get(key) ?? []), f])
  }
  const detected = new Map<TruthFailure, Raise>()
  const tp: Raise[] = []
  const fp: Raise[] = []
  const late: Raise[] = []
  for (const r of [...raises].sort((a, b) => a.at - b.at)) {
    const fs = byKey.get(`${r.cameraId}\u0000${r.mode}`) ?? []
    const windowed = fs.filter((f) => r.at >= f.failAt - WINDOW_BEFORE_MS && r.at <= f.failAt - WINDOW_END_MS).sort((a, b) => a.failAt - b.failAt)
    const open = windowed.find((f) => !detected.has(f))
    if (open !== undefined) {
      detected.set(open, r)
      tp.push(r)
    } else if (windowed.length > 0) {
      // A repeat inside a window already counted.
    } else if (fs.some((f) => r.at > f.failAt - WINDOW_END_MS && r.at < f.repairAt + LATE_AFTER_REPAIR_MS)) {
      late.push(r)
    } else {
      fp.push(r)
    }
  }
  const days = (o.to - o.from) / DAY
  const one = (mode: FailureMode | 'all'): ModeScore => {
    const is = (m: FailureMode) => mode === 'all' || m === mode
    const failures = o.failures.filter((f) => is(f.mode) && inScope(f))
    const found = failures.filter((f) => detected.has(f))
    const leads = found.map((f) => (f.failAt - (detected.get(f) as Raise).at) / DAY)
    const etaErrors = found
      .map((f) => {
        const r = detected.get(f) as Raise
        return r.eta === null ? Number.NaN : Math.abs(r.eta - f.failAt) / (f.failAt - r.at)
      })
      .filter(Number.isFinite)
    const tps = tp.filter((r) => is(r.mode)).length
    const fps = fp.filter((r) => is(r.mode))
    const gradual = failures.filter((f) => !f.abrupt)
    return {
      mode,
      failures: failures.length,
      gradual: gradual.length,
      detected: found.length,
      detectedGradual: gradual.filter((f) => detected.has(f)).length,
      truePositives: tps,
      falsePositives: fps.length,
      late: late.filter((r) => is(r.mode)).length,
      precision: tps + fps.length > 0 ? tps / (tps + fps.length) : Number.NaN,
      recall: failures.length > 0 ? found.length / failures.length : Number.NaN,
      recallGradual: gradual.length > 0 ? gradual.filter((f) => detected.has(f)).length / gradual.length : Number.NaN,
      leadMedianDays: quantile(leads, 0.5),
      leadP10Days: quantile(leads, 0.1),
      falsePer1000CameraDays: (fps.length / (o.cameras * days)) * 1000,
      etaErrorMedian: quantile(etaErrors, 0.5),
      etaWithin20: etaErrors.length > 0 ? etaErrors.filter((e) => e <= 0.2).length / etaErrors.length : Number.NaN,
      falses: fps,
    }
  }
  return [...FAILURE_MODES.map(one), one('all')]
}
