import type { DomainEvent } from '../../stream/events.js'
import { RISK_WEIGHTS } from '../calibration-params.js'
import { PredictionEngine } from '../engine.js'
import { RiskModel } from '../risk-model.js'
import type { CameraInfo } from '../track.js'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR
/** A fixed start (a Monday, 00:00 UTC) so that answers never depend on when tests run. */
export const T0 = Date.UTC(2026, 4, 4)

/** Deterministic noise in [-1, 1] from a few integers: synthetic series with known answers. */
export function wobble(a: number, b: number, c = 0): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77) ^ Math.imul(c + 0x27d4eb2d, 0xc2b2ae35)) >>> 0
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d) >>> 0
  h ^= h >>> 12
  return ((h >>> 0) / 4294967296) * 2 - 1
}

export interface Synth {
  readonly id: string
  readonly info: CameraInfo
  /** Changes to a healthy camera's metrics at `t` (hours since T0), or null to send nothing. */
  readonly tweak?: (m: Record<string, number>, hours: number) => Record<string, number> | null
}

/** A healthy camera's metrics: diurnal temperature and IR load, loop recording, a clean link. */
export function healthy(n: number, hours: number): Record<string, number> {
  const hod = hours % 24
  const night = hod < 6 || hod >= 20 ? 1 : 0
  const diurnal = Math.cos((2 * Math.PI * (hod - 15)) / 24)
  const w = (k: number) => wobble(n, hours, k)
  return {
    temperature_c: 38 + 6 * diurnal + 0.3 * w(1),
    env_temperature_c: 18 + 6 * diurnal + 0.2 * w(2),
    fan_ok: 1,
    fps: 25,
    fps_target: 25,
    disk_used_pct: 92 + 0.3 * ((hours % 4) / 4 - 0.5),
    disk_health_pct: 80,
    disk_write_errors: 12,
    recording: 1,
    voltage_v: 51.5 - 0.6 * night + 0.05 * w(3),
    power_w: 6 + 3 * night,
    power_ok: 1,
    power_quality_pct: 99.4,
    packet_loss_pct: 0.03 * Math.exp(0.4 * w(4)),
    jitter_ms: 0.6,
    image_quality: 90 - 8 * night + 0.8 * w(5),
    focus_score: 92 + 0.5 * w(6),
    // Booted a month before the series starts; reboots only where a test says so.
    uptime_s: Math.round(30 * 86_400 + hours * 3600),
    reboots: 40,
  }
}

export const outdoor = (siteId: string, extra: Partial<CameraInfo> = {}): CameraInfo => ({
  siteId,
  tags: ['outdoor'],
  model: 'Axis P3265-LVE',
  firmware: '11.11.112',
  ...extra,
})

export interface SynthRun {
  readonly engine: PredictionEngine
  readonly events: DomainEvent[]
}

/** Feeds every camera one report an hour for `days`, in data-time order, into a real engine. */
export function run(cameras: readonly Synth[], days: number, engine?: PredictionEngine): SynthRun {
  const infos = new Map(cameras.map((c) => [c.id, c.info]))
  const e = engine ?? new PredictionEngine({ directory: (id) => infos.get(id), model: new RiskModel(RISK_WEIGHTS) })
  const events: DomainEvent[] = []
  for (let h = 0; h < days * 24; h++) {
    cameras.forEach((c, n) => {
      const base = healthy(n + 1, h)
      const m = c.tweak ? c.tweak(base, h) : base
      if (m !== null) events.push(...e.ingest(c.id, T0 + h * HOUR + 5 * 60_000, m))
    })
  }
  return { engine: e, events }
}

/** Cameras cam-0 … cam-(n-1) at one site, all outdoors, same model and firmware. */
export function site(siteId: string, n: number, tweak?: (index: number) => Synth['tweak']): Synth[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${siteId}-cam-${i}`, info: outdoor(siteId), tweak: tweak?.(i) }))
}
