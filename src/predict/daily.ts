import type { StateReader, StateWriter } from './state.js'
import { quantile } from './stats.js'

/**
 * A camera's days: the open day's finalised hours, and a ring of the last DAYS closed days, each
 * a fixed set of robust daily figures (medians and low quantiles over hours, so that an odd hour
 * cannot move them). Trends are fitted on these.
 */

/** Closed days kept: three weeks cover the trend windows (at most 21 days) of every detector. */
export const DAYS = 21

export const D_DAY = 0
export const D_HOURS = 1
/** Median hourly housing-temperature excess over the camera's own baseline and its peers, °C. */
export const D_TEXC = 2
/** 90th percentile of the hourly excess: the worst hours (afternoons). */
export const D_TEXC_HI = 3
export const D_FAN_BAD = 4
export const D_THROTTLE_H = 5
export const D_HEALTH = 6
export const D_WERR = 7
export const D_REC_OFF_H = 8
export const D_USED_MAX = 9
/** 10th percentile of hourly mean voltage: the loaded (night, IR on) floor without single dips. */
export const D_V_LOW = 10
export const D_DIP_H = 11
/** Mean of hourly log10(packet loss %): the camera's own usual loss, when it has no site peers. */
export const D_LOSS = 12
export const D_Q_MED = 13
/** 15th percentile of hourly image quality: the night picture. */
export const D_Q_LOW = 14
export const D_QEXC = 15
export const D_QEXC_LOW = 16
export const D_FOCUS = 17
/** Reboots in hours of low voltage (brownouts). */
export const D_LOWV_BOOTS = 18
export const D_SLOTS = 19

// Per-hour values of the open day kept for quantiles.
const HV_TEXC = 0
const HV_V = 1
const HV_Q = 2
const HV_QEXC = 3
const HV_SIGNALS = 4

// Running sums of the open day (Float64Array); averaged ones take two slots, sum then count.
const S_HOURS = 0
const S_FAN = 1
const S_THROTTLE = 3
const S_HEALTH = 4
const S_WERR = 6
const S_REC_OFF = 7
const S_USED_MAX = 8
const S_DIP = 9
const S_LOSS = 10
const S_FOCUS = 12
const S_LOWV = 14
const S_SLOTS = 15

/** What one finalised hour contributes to its day. */
export interface HourFacts {
  readonly hourOfDay: number
  readonly tempExcess: number
  readonly fanBad: number
  readonly throttle: number
  readonly health: number
  readonly writeErrors: number
  readonly recOff: number
  readonly usedMax: number
  readonly voltage: number
  readonly dip: boolean
  readonly loss: number
  readonly quality: number
  readonly qualityExcess: number
  readonly focus: number
}

export class DayBook {
  private readonly ring = new Float32Array(DAYS * D_SLOTS).fill(Number.NaN)
  private head = 0
  private closed = 0
  /** UTC day index of the open day; NaN before the first hour. */
  openDay = Number.NaN
  private readonly hourly = new Float32Array(HV_SIGNALS * 24).fill(Number.NaN)
  private readonly sums = new Float64Array(S_SLOTS)

  constructor() {
    this.startDay(Number.NaN)
  }

  /** Adds a finalised hour; closes the open day first when the hour belongs to a later one. */
  addHour(day: number, f: HourFacts): void {
    if (day !== this.openDay) {
      if (Number.isFinite(this.openDay) && (this.sums[S_HOURS] as number) > 0) this.push(this.summarize())
      this.startDay(day)
    }
    const s = this.sums
    const h = f.hourOfDay
    s[S_HOURS]! += 1
    this.hourly[HV_TEXC * 24 + h] = f.tempExcess
    this.hourly[HV_V * 24 + h] = f.voltage
    this.hourly[HV_Q * 24 + h] = f.quality
    this.hourly[HV_QEXC * 24 + h] = f.qualityExcess
    add(s, S_FAN, f.fanBad)
    if (f.throttle > 0.5) s[S_THROTTLE]! += 1
    add(s, S_HEALTH, f.health)
    s[S_WERR]! += f.writeErrors
    if (f.recOff > 0) s[S_REC_OFF]! += f.recOff
    if (Number.isFinite(f.usedMax) && !(f.usedMax <= (s[S_USED_MAX] as number))) s[S_USED_MAX] = f.usedMax
    if (f.dip) s[S_DIP]! += 1
    add(s, S_LOSS, f.loss)
    add(s, S_FOCUS, f.focus)
  }

  /** Counts a boot in a low-voltage hour (a brownout) into the open day. */
  addBrownout(weight: number): void {
    this.sums[S_LOWV]! += weight
  }

  get openHours(): number {
    return this.sums[S_HOURS] as number
  }

  /** The open day's figures so far (its last point in a trend once it has a few hours). */
  summarize(out = new Float32Array(D_SLOTS)): Float32Array {
    const s = this.sums
    const hv = (k: number) => this.hourly.subarray(k * 24, (k + 1) * 24)
    out[D_DAY] = this.openDay
    out[D_HOURS] = s[S_HOURS]!
    out[D_TEXC] = quantile(hv(HV_TEXC), 0.5)
    out[D_TEXC_HI] = quantile(hv(HV_TEXC), 0.9)
    out[D_FAN_BAD] = mean(s, S_FAN)
    out[D_THROTTLE_H] = s[S_THROTTLE]!
    out[D_HEALTH] = mean(s, S_HEALTH)
    out[D_WERR] = s[S_WERR]!
    out[D_REC_OFF_H] = s[S_REC_OFF]!
    out[D_USED_MAX] = s[S_USED_MAX]!
    out[D_V_LOW] = quantile(hv(HV_V), 0.1)
    out[D_DIP_H] = s[S_DIP]!
    out[D_LOSS] = mean(s, S_LOSS)
    out[D_Q_MED] = quantile(hv(HV_Q), 0.5)
    out[D_Q_LOW] = quantile(hv(HV_Q), 0.15)
    out[D_QEXC] = quantile(hv(HV_QEXC), 0.5)
    out[D_QEXC_LOW] = quantile(hv(HV_QEXC), 0.15)
    out[D_FOCUS] = mean(s, S_FOCUS)
    out[D_LOWV_BOOTS] = s[S_LOWV]!
    return out
  }

  /** A closed day's figure; `ago` 0 is the latest closed day. NaN when there is none. */
  closedValue(ago: number, slot: number): number {
    if (ago >= this.closed || ago >= DAYS) return Number.NaN
    const i = (this.head - 1 - ago + DAYS) % DAYS
    return this.ring[i * D_SLOTS + slot] as number
  }

  get closedDays(): number {
    return Math.min(this.closed, DAYS)
  }

  save(w: StateWriter): void {
    w.arr(this.ring).num(this.head).num(this.closed).num(this.openDay).arr(this.hourly).arr(this.sums)
  }

  load(r: StateReader): void {
    r.arr(this.ring)
    this.head = r.num()
    this.closed = r.num()
    this.openDay = r.num()
    r.arr(this.hourly)
    r.arr(this.sums)
  }

  private push(summary: Float32Array): void {
    this.ring.set(summary, this.head * D_SLOTS)
    this.head = (this.head + 1) % DAYS
    this.closed++
  }

  private startDay(day: number): void {
    this.openDay = day
    this.hourly.fill(Number.NaN)
    this.sums.fill(0)
    this.sums[S_USED_MAX] = Number.NaN
  }

  static readonly BYTES = DAYS * D_SLOTS * 4 + HV_SIGNALS * 24 * 4 + S_SLOTS * 8
}

function add(s: Float64Array, slot: number, v: number): void {
  if (!Number.isFinite(v)) return
  s[slot]! += v
  s[slot + 1]! += 1
}

function mean(s: Float64Array, slot: number): number {
  const n = s[slot + 1] as number
  return n > 0 ? (s[slot] as number) / n : Number.NaN
}
