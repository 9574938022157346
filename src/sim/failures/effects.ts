import type { Sample } from '../camera-model.js'
import { throttleFactor } from '../camera-model.js'
import type { SiteEnvironment } from '../environment.js'
import { DAY, MINUTE } from '../episodes.js'
import type { SimCamera } from '../fleet.js'
import { clamp, gauss, hash, round, unit } from '../random.js'
import { CARD_DEAD_PCT, FULL_PCT, LINK_DEAD_LOSS_PCT, UNUSABLE_QUALITY, type Degradation } from './plan.js'
import { irOn } from './sun.js'

/**
 * What each failure mode does to a camera's metrics, from the first precursor to the repair.
 * Every function is pure in (degradation, camera, time), like the rest of the simulator.
 */

/** Write errors a day on a card this worn (the same curve as natural wear in CameraHistory). */
const WEAR_ERRORS_PER_DAY = 30
/** A dead card that the camera keeps trying to write to. */
const DEAD_CARD_ERRORS_PER_DAY = 400
/** A full card rejects writes: errors per day while it stays full. */
const FULL_CARD_ERRORS_PER_DAY = 2 * 24 * 60

export interface EffectContext {
  readonly camera: SimCamera
  readonly env: SiteEnvironment
}

/** Share of the way from onset to failure, 0..1. */
export function progress(d: Degradation, ts: number): number {
  if (d.failAt <= d.onset) return ts >= d.failAt ? 1 : 0
  return clamp((ts - d.onset) / (d.failAt - d.onset), 0, 1)
}

/** Sets the housing temperature and throttles the encoder accordingly. */
export function setHousing(m: Sample, housingC: number): void {
  const before = Number(m.temperature_c)
  m.fps = round(Number(m.fps) * (throttleFactor(housingC) / throttleFactor(before)), 1)
  m.temperature_c = round(housingC, 1)
}

/** Applies a degradation active at `ts` (onset <= ts < repairAt) to a sample, in place. */
export function applyDegradation(d: Degradation, m: Sample, ts: number, ctx: EffectContext): void {
  const p = progress(d, ts)
  const failed = ts >= d.failAt
  switch (d.mode) {
    case 'overheating': {
      // Worst in the afternoon; a failed fan reports itself.
      const hour = ctx.env.localHour(ts)
      const diurnal = 0.55 + 0.45 * Math.cos((2 * Math.PI * (hour - 15)) / 24)
      setHousing(m, Number(m.temperature_c) + (d.params.excessMaxC ?? 0) * p ** 1.6 * diurnal)
      if (d.variant === 'fan') m.fan_ok = false
      return
    }
    case 'disk_failure':
      return diskFailure(d, m, ts, p, failed)
    case 'disk_full': {
      const u0 = d.params.u0 ?? 92
      const perMs = (FULL_PCT - u0) / Math.max(1, d.failAt - d.onset)
      const line = u0 + perMs * (ts - d.onset)
      m.disk_used_pct = round(Math.min(100, Math.max(Number(m.disk_used_pct), line)), 2)
      const fullAt = d.onset + (100 - u0) / perMs
      if (ts >= fullAt) {
        m.recording = false
        m.disk_write_errors = Number(m.disk_write_errors) + Math.floor((FULL_CARD_ERRORS_PER_DAY * (ts - fullAt)) / DAY)
      }
      return
    }
    case 'power_instability': {
      if (d.abrupt) return
      const seed = d.params.seed ?? 1
      const share = Number(m.power_w) / (d.params.loadedW ?? Number(m.power_w))
      let v = Number(m.voltage_v) - (d.params.dropMaxV ?? 0) * p ** 1.5 * share
      let pq = Number(m.power_quality_pct) - 2 * p
      // Dips come more often as the supply weakens: up to six a day.
      const slot = Math.floor(ts / (10 * MINUTE))
      if (unit(seed, slot) < (6 * p) / 144) {
        v -= 3 + 5 * unit(seed, slot, 1)
        pq -= 10 + 10 * unit(seed, slot, 2)
      }
      m.voltage_v = round(v, 2)
      m.power_quality_pct = round(clamp(pq, 0, 100), 1)
      m.power_ok = v >= 44.5
      return
    }
    case 'network_degradation': {
      if (d.abrupt) return
      const noise = Math.exp(0.35 * gauss(d.params.noiseSeed ?? 1, Math.floor(ts / 1000)))
      const loss = 0.05 * (LINK_DEAD_LOSS_PCT / 0.05) ** p * noise
      m.packet_loss_pct = round(clamp(Number(m.packet_loss_pct) + loss, 0, 100), 3)
      m.jitter_ms = round(Number(m.jitter_ms) + 1 + (30 * loss) / LINK_DEAD_LOSS_PCT, 2)
      m.latency_ms = round(Number(m.latency_ms) + (40 * loss) / LINK_DEAD_LOSS_PCT, 1)
      return
    }
    case 'image_degradation':
      return image(d, m, ts, p, failed, ctx)
    case 'reboot_loop':
      // Crashes only (FailingCamera's boot list): the leak itself is not reported.
      return
  }
}

function diskFailure(d: Degradation, m: Sample, ts: number, p: number, failed: boolean): void {
  if (failed) {
    m.disk_health_pct = 1
    m.recording = false
    m.disk_write_errors = Number(m.disk_write_errors) + Math.floor(wearErrors(d, d.failAt) + (DEAD_CARD_ERRORS_PER_DAY * (ts - d.failAt)) / DAY)
    return
  }
  if (d.abrupt) return
  const h0 = d.params.h0 ?? 50
  const health = h0 - (h0 - CARD_DEAD_PCT) * p
  m.disk_health_pct = round(health, 1)
  m.disk_write_errors = Number(m.disk_write_errors) + Math.floor(wearErrors(d, ts))
  // A worn card drops recordings now and then before it dies.
  const hourSlot = Math.floor(ts / (60 * MINUTE))
  if (health < 12 && unit(hash(d.failAt, 0xd15c), hourSlot) < (0.35 * (12 - health)) / 9) m.recording = false
}

/**
 * Write errors of a wearing card from onset to `ts`: the integral of 30·((25 − h)/25)² a day
 * while health h falls linearly from h0 to CARD_DEAD_PCT.
 */
export function wearErrors(d: Degradation, ts: number): number {
  const h0 = d.params.h0 ?? 50
  const spanDays = (d.failAt - d.onset) / DAY
  if (!(spanDays > 0)) return 0
  const k = (h0 - CARD_DEAD_PCT) / spanDays
  const t = clamp((ts - d.onset) / DAY, 0, spanDays)
  const a = 25 - h0
  const cube = (x: number) => Math.max(0, x) ** 3
  return ((WEAR_ERRORS_PER_DAY / 625) * (cube(a + k * t) - cube(a))) / (3 * k)
}

function image(d: Degradation, m: Sample, ts: number, p: number, failed: boolean, ctx: EffectContext): void {
  if (d.abrupt) {
    // A knock or vandalism: the picture is gone at once.
    if (!failed) return
    m.image_quality = round(clamp(Number(m.image_quality) - 45, 0, 100), 1)
    m.focus_score = round(clamp(Number(m.focus_score) - 50, 0, 100), 1)
    return
  }
  const q0 = d.params.q0 ?? 90
  // After the failure the picture keeps getting worse until someone cleans or fixes it.
  const beyond = failed ? Math.min(0.5, (0.3 * (ts - d.failAt)) / Math.max(DAY, d.failAt - d.onset)) : 0
  const loss = (q0 - UNUSABLE_QUALITY) * (p + beyond)
  if (d.variant === 'ir') {
    // IR LEDs dying: only the night picture darkens, and the night draw falls with them.
    if (!(ctx.camera.ir && irOn(ctx.env, ts))) return
    m.image_quality = round(clamp(Number(m.image_quality) - loss, 0, 100), 1)
    m.power_w = round(Math.max(0, Number(m.power_w) - ctx.camera.irPowerW * Math.min(1, p)), 2)
    return
  }
  // Dirt, spider webs or a focus drift: day and night alike, and blur compresses better.
  m.image_quality = round(clamp(Number(m.image_quality) - loss, 0, 100), 1)
  m.focus_score = round(clamp(Number(m.focus_score) - 0.7 * loss, 0, 100), 1)
  m.bitrate_kbps = Math.round(Number(m.bitrate_kbps) * (1 - 0.25 * Math.min(1, p)))
}
