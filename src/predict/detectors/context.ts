import type { FailureMode } from '../../protocol/predictions.js'
import { DAYS, D_DAY, D_HOURS, D_SLOTS } from '../daily.js'
import { DAY_MS, type CameraTrack } from '../track.js'

/** What a detector says about one camera in one mode. */
export interface Assessment {
  /** Inputs of the mode's calibrated risk model, in the order of FEATURES[mode]. */
  readonly features: readonly number[]
  /** Projected failure time (epoch ms, data time), or null when no trend projects one. */
  readonly etaMs: number | null
  /** Why, in words and numbers, strongest first; built only for predictions that are kept. */
  readonly explain: () => string[]
}

export type Detector = (c: DetectorContext) => Assessment | undefined

export interface Series {
  readonly xs: number[]
  readonly ys: number[]
}

/** The open day joins a trend once it has this many finalised hours. */
const MIN_OPEN_HOURS = 6

/** A camera at one instant of data time, as the detectors read it. */
export class DetectorContext {
  readonly nowDay: number
  /** The open day's figures so far. */
  readonly open: Float32Array

  constructor(
    readonly track: CameraTrack,
    /** End of the last finalised hour (epoch ms). */
    readonly now: number,
    /** Whether the camera is raised in a mode now: a raised prediction keeps looser gates (hysteresis). */
    readonly raised: (mode: FailureMode) => boolean = () => false,
  ) {
    this.nowDay = now / DAY_MS
    this.open = track.days.summarize(new Float32Array(D_SLOTS))
  }

  /**
   * Daily values of `slot` since day `sinceDay` (NaN = all), the last `maxDays` days, oldest
   * first; x is the middle of the hours each day covers, in days, or for a daily maximum of a
   * rising signal (`at` = 'last') its last hour, where the maximum was reached.
   */
  series(slot: number, maxDays: number, sinceDay = Number.NaN, at: 'middle' | 'last' = 'middle'): Series {
    const xs: number[] = []
    const ys: number[] = []
    const days = this.track.days
    const from = Math.max(this.nowDay - maxDays, Number.isFinite(sinceDay) ? sinceDay : Number.NEGATIVE_INFINITY)
    for (let ago = Math.min(DAYS, maxDays) - 1; ago >= 0; ago--) {
      const day = days.closedValue(ago, D_DAY)
      if (!(day >= Math.floor(from))) continue
      xs.push(day + (at === 'last' ? 1 - 1 / 48 : 0.5))
      ys.push(days.closedValue(ago, slot))
    }
    const openHours = this.open[D_HOURS] as number
    if (openHours >= MIN_OPEN_HOURS && (this.open[D_DAY] as number) >= Math.floor(from)) {
      xs.push((this.open[D_DAY] as number) + (at === 'last' ? (openHours - 0.5) / 24 : openHours / 48))
      ys.push(this.open[slot] as number)
    }
    return { xs, ys }
  }

  /** Sum of a daily count over the open day and the closed days of the last `days` days. */
  sumRecent(slot: number, days: number, sinceDay = Number.NaN): number {
    let total = this.open[D_HOURS]! > 0 ? (this.open[slot] as number) : 0
    for (let ago = 0; ago < DAYS; ago++) {
      const day = this.track.days.closedValue(ago, D_DAY)
      if (!(day > this.nowDay - days - 1) || (Number.isFinite(sinceDay) && day < sinceDay)) continue
      const v = this.track.days.closedValue(ago, slot)
      if (Number.isFinite(v)) total += v
    }
    return total
  }

  /** Hours of data behind `sumRecent` over the same days, for rates. */
  hoursRecent(days: number, sinceDay = Number.NaN): number {
    return this.sumRecent(D_HOURS, days, sinceDay)
  }

  /** The latest value of a daily figure: the open day when it has a few hours, else the last closed day. */
  latestDaily(slot: number): number {
    if ((this.open[D_HOURS] as number) >= MIN_OPEN_HOURS) return this.open[slot] as number
    const v = this.track.days.closedValue(0, slot)
    return Number.isFinite(v) ? v : (this.open[slot] as number)
  }

  /** The failure time a projection of `days` from now gives (epoch ms), or null when it projects none. */
  eta(days: number): number | null {
    return Number.isFinite(days) ? this.now + Math.max(0, days) * DAY_MS : null
  }

  /**
   * An ETA in words for the evidence, read off the very `eta` the prediction carries (one source
   * of truth): how far it is from this assessment and the date, so that a reader comparing the
   * evidence with the ETA shown later (a countdown from the console's clock) sees the same instant.
   */
  until(etaMs: number | null): string {
    if (etaMs === null) return daysText(Number.POSITIVE_INFINITY)
    const days = (etaMs - this.now) / DAY_MS
    const date = new Date(etaMs).toISOString()
    return days < 2 ? `${daysText(days)} (${date.slice(0, 10)} ${date.slice(11, 16)} UTC)` : `${daysText(days)} (${date.slice(0, 10)})`
  }

  mark(mode: FailureMode): number {
    return this.track.marks[MODE_INDEX[mode]] as number
  }

  /** Starts the mode's trend window afresh from the open day (the camera recovered: repaired, cleared). */
  setMark(mode: FailureMode): void {
    this.track.marks[MODE_INDEX[mode]] = this.open[D_DAY] as number
  }
}

const MODE_INDEX: Readonly<Record<FailureMode, number>> = {
  overheating: 0,
  disk_failure: 1,
  disk_full: 2,
  power_instability: 3,
  network_degradation: 4,
  image_degradation: 5,
  reboot_loop: 6,
}

/** A robust trend worth projecting: enough days, pairs agreeing, steep enough (all looser once raised). */
export interface Gate {
  readonly span: number
  readonly agreement: number
}

export function passes(trend: { span: number; agreement: number } | undefined, gate: Gate, raised: boolean): boolean {
  if (trend === undefined) return false
  const loosen = raised ? 0.6 : 1
  return trend.span >= gate.span * loosen && trend.agreement >= gate.agreement * (raised ? 0.8 : 1)
}

/** Formats a number for evidence text: a few significant digits, no noise. */
export function fmt(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return String(x)
  const abs = Math.abs(x)
  if (abs >= 100) return x.toFixed(0)
  return x.toFixed(abs >= 10 ? Math.min(digits, 1) : digits)
}

export function daysText(days: number): string {
  if (!Number.isFinite(days)) return 'more than 60 days'
  if (days < 1) return `${fmt(days * 24, 0)} h`
  return `${fmt(days, days < 10 ? 1 : 0)} days`
}
