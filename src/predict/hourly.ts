import type { StateReader, StateWriter } from './state.js'

/**
 * One camera's current hour: running sums of the signals the detectors read, folded into a
 * fixed-size summary when the hour closes. Raw points are never kept.
 */

// Accumulator slots (Float64Array). A signal averaged with sum() takes two slots: its sum, then
// its count (e.g. A_HEALTH and A_HEALTH + 1).
const A_N = 0
const A_T = 1
const A_T_N = 2
const A_T_MAX = 3
const A_DT = 4
const A_DT_N = 5
const A_FAN_BAD = 6
const A_FAN_N = 7
const A_THROTTLE = 8
const A_FPS_N = 9
const A_HEALTH = 10
const A_USED_MAX = 12
const A_REC_OFF = 13
const A_REC_N = 14
const A_V = 15
const A_V_MIN = 17
const A_P = 18
const A_PQ_MIN = 20
const A_POK_BAD = 21
const A_POK_N = 22
const A_LOSS = 23
const A_JIT = 25
const A_Q = 27
const A_F = 29
const A_WERR = 31
const A_USED_LAST = 32
const A_MEM = 33
export const A_SLOTS = 35

// Summary slots (Float32Array), what a closed hour leaves behind.
export const H_N = 0
/** Mean housing temperature, °C. */
export const H_T = 1
export const H_T_MAX = 2
/** Mean housing temperature over ambient (env_temperature_c), °C; NaN without an ambient sensor. */
export const H_DT = 3
export const H_FAN_BAD = 4
/** Share of samples with fps below 80 % of its target. */
export const H_THROTTLE = 5
export const H_HEALTH = 6
export const H_USED_MAX = 7
export const H_USED_LAST = 8
export const H_REC_OFF = 9
export const H_V = 10
export const H_V_MIN = 11
export const H_P = 12
export const H_PQ_MIN = 13
export const H_POK_BAD = 14
/** Mean log10(packet_loss_pct + 0.01): loss spans decades, so it is averaged on a log scale. */
export const H_LOSS = 15
export const H_JIT = 16
export const H_Q = 17
export const H_FOCUS = 18
/** Write errors counted in the hour (counter deltas, resets excluded). */
export const H_WERR = 19
/** Mean free memory (custom metric memory_free_pct), %; NaN when the camera does not report it. */
export const H_MEM = 20
export const H_SLOTS = 21

/** Floor added to packet loss before taking its log: healthy links lose 0.01-0.1 %. */
export const LOSS_FLOOR_PCT = 0.01

export class HourAccumulator {
  readonly a = new Float64Array(A_SLOTS)

  constructor() {
    this.reset()
  }

  reset(): void {
    this.a.fill(0)
    this.a[A_T_MAX] = Number.NEGATIVE_INFINITY
    this.a[A_USED_MAX] = Number.NEGATIVE_INFINITY
    this.a[A_V_MIN] = Number.POSITIVE_INFINITY
    this.a[A_PQ_MIN] = Number.POSITIVE_INFINITY
    this.a[A_USED_LAST] = Number.NaN
  }

  save(w: StateWriter): void {
    w.arr(this.a)
  }

  load(r: StateReader): void {
    r.arr(this.a)
  }

  get samples(): number {
    return this.a[A_N] as number
  }

  /** Adds one report's metrics; `writeErrors` is the counter delta already worked out. */
  add(m: Readonly<Record<string, number>>, writeErrors: number): void {
    const a = this.a
    a[A_N]! += 1
    const t = m.temperature_c
    if (t !== undefined) {
      a[A_T]! += t
      a[A_T_N]! += 1
      if (t > a[A_T_MAX]!) a[A_T_MAX] = t
      const env = m.env_temperature_c
      if (env !== undefined) {
        a[A_DT]! += t - env
        a[A_DT_N]! += 1
      }
    }
    if (m.fan_ok !== undefined) {
      a[A_FAN_N]! += 1
      if (m.fan_ok === 0) a[A_FAN_BAD]! += 1
    }
    if (m.fps !== undefined && m.fps_target !== undefined && m.fps_target > 0) {
      a[A_FPS_N]! += 1
      if (m.fps < 0.8 * m.fps_target) a[A_THROTTLE]! += 1
    }
    sum(a, A_HEALTH, m.disk_health_pct)
    const used = m.disk_used_pct
    if (used !== undefined) {
      if (used > a[A_USED_MAX]!) a[A_USED_MAX] = used
      a[A_USED_LAST] = used
    }
    if (m.recording !== undefined) {
      a[A_REC_N]! += 1
      if (m.recording === 0) a[A_REC_OFF]! += 1
    }
    const v = m.voltage_v
    if (v !== undefined) {
      sum(a, A_V, v)
      if (v < a[A_V_MIN]!) a[A_V_MIN] = v
    }
    sum(a, A_P, m.power_w)
    if (m.power_quality_pct !== undefined && m.power_quality_pct < a[A_PQ_MIN]!) a[A_PQ_MIN] = m.power_quality_pct
    if (m.power_ok !== undefined) {
      a[A_POK_N]! += 1
      if (m.power_ok === 0) a[A_POK_BAD]! += 1
    }
    if (m.packet_loss_pct !== undefined) sum(a, A_LOSS, Math.log10(Math.max(0, m.packet_loss_pct) + LOSS_FLOOR_PCT))
    sum(a, A_JIT, m.jitter_ms)
    sum(a, A_Q, m.image_quality)
    sum(a, A_F, m.focus_score)
    sum(a, A_MEM, m.memory_free_pct)
    a[A_WERR]! += writeErrors
  }

  /** The closed hour's summary; NaN where a signal was not reported. */
  summarize(out: Float32Array): void {
    const a = this.a
    out[H_N] = a[A_N]!
    out[H_T] = mean(a, A_T)
    out[H_T_MAX] = a[A_T_N]! > 0 ? a[A_T_MAX]! : Number.NaN
    out[H_DT] = mean(a, A_DT)
    out[H_FAN_BAD] = ratio(a[A_FAN_BAD]!, a[A_FAN_N]!)
    out[H_THROTTLE] = ratio(a[A_THROTTLE]!, a[A_FPS_N]!)
    out[H_HEALTH] = mean(a, A_HEALTH)
    out[H_USED_MAX] = Number.isFinite(a[A_USED_MAX]!) ? a[A_USED_MAX]! : Number.NaN
    out[H_USED_LAST] = a[A_USED_LAST]!
    out[H_REC_OFF] = ratio(a[A_REC_OFF]!, a[A_REC_N]!)
    out[H_V] = mean(a, A_V)
    out[H_V_MIN] = Number.isFinite(a[A_V_MIN]!) ? a[A_V_MIN]! : Number.NaN
    out[H_P] = mean(a, A_P)
    out[H_PQ_MIN] = Number.isFinite(a[A_PQ_MIN]!) ? a[A_PQ_MIN]! : Number.NaN
    out[H_POK_BAD] = ratio(a[A_POK_BAD]!, a[A_POK_N]!)
    out[H_LOSS] = mean(a, A_LOSS)
    out[H_JIT] = mean(a, A_JIT)
    out[H_Q] = mean(a, A_Q)
    out[H_FOCUS] = mean(a, A_F)
    out[H_WERR] = a[A_WERR]!
    out[H_MEM] = mean(a, A_MEM)
  }
}

function sum(a: Float64Array, slot: number, v: number | undefined): void {
  if (v === undefined) return
  a[slot]! += v
  a[slot + 1]! += 1
}

function mean(a: Float64Array, slot: number): number {
  const n = a[slot + 1]!
  return n > 0 ? a[slot]! / n : Number.NaN
}

function ratio(x: number, n: number): number {
  return n > 0 ? x / n : Number.NaN
}
