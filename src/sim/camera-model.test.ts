import { beforeAll, describe, expect, it } from 'vitest'
import { KNOWN_METRICS, METRIC_INFO } from '../protocol/metrics.js'
import { createModels, sampleFleetAt, type CameraModel, type Sample } from './camera-model.js'
import { SiteEnvironment } from './environment.js'
import { createFleet } from './fleet.js'

const HOUR = 3_600_000
// Spans the switch to summer time in Europe (29 March 2026).
const START = Date.UTC(2026, 2, 28)
const STEP = 10_000
const END = START + 48 * HOUR

/** Plausible ranges from DOMAIN.md (typical values and their extremes). */
const RANGES: Record<string, [number, number]> = {
  uptime_s: [0, 90 * 86_400],
  reboots: [0, 2000],
  clock_skew_s: [-600, 600],
  fps: [0, 30],
  fps_target: [15, 30],
  bitrate_kbps: [100, 25_000],
  dropped_frames: [0, 1e9],
  image_quality: [0, 100],
  focus_score: [0, 100],
  disk_used_pct: [0, 100],
  disk_capacity_gb: [16, 2048],
  disk_health_pct: [0, 100],
  disk_write_errors: [0, 1e7],
  retention_days: [0, 120],
  cloud_used_gb: [0, 20_000],
  temperature_c: [-40, 90],
  power_w: [1, 71.3],
  voltage_v: [37, 57],
  env_temperature_c: [-30, 50],
  humidity_pct: [0, 100],
  vibration_g: [0, 2],
  power_quality_pct: [0, 100],
  bandwidth_mbps: [0, 40],
  packet_loss_pct: [0, 100],
  latency_ms: [0, 500],
  jitter_ms: [0, 200],
  // Custom metric (DESIGN §2): a leak's precursor.
  memory_free_pct: [1, 70],
}
const COUNTERS = KNOWN_METRICS.filter((m) => m.kind === 'counter').map((m) => m.name)
const EXPECTED = [...KNOWN_METRICS.map((m) => m.name).filter((n) => n !== 'online'), 'memory_free_pct']

/** Every known metric but online, and free memory, with its range: DOMAIN's where it has one, else metrics.ts's. */
const CHECKS = EXPECTED.map((name) => {
  const info = METRIC_INFO.get(name)
  const [lo, hi] = RANGES[name] ?? [info?.min ?? Number.NEGATIVE_INFINITY, info?.max ?? Number.POSITIVE_INFINITY]
  return { name, bool: info?.kind === 'bool', lo: Math.max(lo, info?.min ?? lo), hi: Math.min(hi, info?.max ?? hi) }
})

function num(s: Sample, name: string): number {
  return Number(s[name])
}

/** The simple health test a console would apply: no alert-worthy value. */
function clean(s: Sample | null): boolean {
  if (s === null) return false
  return (
    num(s, 'fps') >= 0.9 * num(s, 'fps_target') &&
    num(s, 'packet_loss_pct') < 1 &&
    num(s, 'temperature_c') < 70 &&
    num(s, 'disk_used_pct') < 97 &&
    num(s, 'disk_health_pct') >= 20 &&
    s.recording === true &&
    s.tamper === false &&
    s.power_ok === true &&
    s.fan_ok === true &&
    Math.abs(num(s, 'clock_skew_s')) < 5
  )
}

interface Run {
  samples: number
  nulls: number
  problems: string[]
  fpsDrops: number
  lossBursts: number
  cleanShares: number[]
  /** Per IR camera: mean power with the sun well below and well above the horizon. */
  power: Map<string, { night: number[]; day: number[] }>
  /** Per site, outdoor ambient by local hour. */
  envByHour: Map<string, number[][]>
  humidityByHour: number[][]
  /** Counts below and at-or-below thresholds, to place medians without keeping every value. */
  lossBelow: { low: number; high: number }
  heatingBelow: { low: number; high: number }
  reports: number
}

function simulate(): Run {
  const fleet = createFleet({ cameras: 20, seed: 1 })
  const models = createModels(fleet)
  const envs = new Map(fleet.sites.map((s) => [s.id, new SiteEnvironment(s)]))
  const run: Run = {
    samples: 0,
    nulls: 0,
    problems: [],
    fpsDrops: 0,
    lossBursts: 0,
    cleanShares: [],
    power: new Map(),
    envByHour: new Map(),
    humidityByHour: Array.from({ length: 24 }, () => []),
    lossBelow: { low: 0, high: 0 },
    heatingBelow: { low: 0, high: 0 },
    reports: 0,
  }
  const problem = (msg: string): void => {
    if (run.problems.length < 20) run.problems.push(msg)
  }
  const previous = new Map<string, Sample>()
  for (let ts = START; ts < END; ts += STEP) {
    let ok = 0
    for (const m of models) {
      const c = m.camera
      const env = envs.get(c.siteId) as SiteEnvironment
      const s = m.sample(ts)
      run.samples++
      if (clean(s)) ok++
      if (s === null) {
        run.nulls++
        continue
      }
      const at = (): string => `${c.id} ${new Date(ts).toISOString()}`
      for (const check of CHECKS) {
        const v = s[check.name]
        if (check.bool) {
          if (typeof v !== 'boolean') problem(`${at()}: ${check.name}=${String(v)}, not a boolean`)
        } else if (typeof v !== 'number' || !(v >= check.lo && v <= check.hi)) {
          problem(`${at()}: ${check.name}=${String(v)} outside [${check.lo}, ${check.hi}]`)
        } else if (Math.abs(v * 1000 - Math.round(v * 1000)) > 1e-6) {
          problem(`${at()}: ${check.name}=${v} not rounded`)
        }
      }
      if (Object.keys(s).length !== CHECKS.length) problem(`${at()}: unexpected metrics ${Object.keys(s).join()}`)
      for (const name of COUNTERS) if (!Number.isInteger(s[name])) problem(`${at()}: ${name} not an integer`)
      if (num(s, 'fps') > num(s, 'fps_target')) problem(`${at()}: fps above target`)
      if (num(s, 'power_w') > c.powerMaxW) problem(`${at()}: power above PoE class ${c.poeClass}`)
      const prev = previous.get(c.id)
      if (prev) {
        for (const name of [...COUNTERS, 'cloud_used_gb']) {
          if (num(s, name) < num(prev, name)) problem(`${at()}: ${name} went down`)
        }
        if (num(s, 'uptime_s') < num(prev, 'uptime_s') && num(s, 'reboots') <= num(prev, 'reboots')) {
          problem(`${at()}: uptime reset without a reboot`)
        }
      }
      previous.set(c.id, s)
      if (num(s, 'fps') < 0.9 * num(s, 'fps_target')) run.fpsDrops++
      if (num(s, 'packet_loss_pct') > 1) run.lossBursts++
      run.reports++
      const loss = num(s, 'packet_loss_pct')
      if (loss < 0.01) run.lossBelow.low++
      if (loss <= 0.1) run.lossBelow.high++
      const heating = num(s, 'temperature_c') - num(s, 'env_temperature_c')
      if (heating < 10) run.heatingBelow.low++
      if (heating <= 22) run.heatingBelow.high++
      if (c.ir) {
        const elevation = env.sunElevationDeg(ts)
        const p = run.power.get(c.id) ?? { night: [], day: [] }
        if (elevation < -8) p.night.push(num(s, 'power_w'))
        if (elevation > 10) p.day.push(num(s, 'power_w'))
        run.power.set(c.id, p)
      }
      const hour = Math.floor(env.localHour(ts))
      if (c.outdoor) {
        const byHour = run.envByHour.get(c.siteId) ?? Array.from({ length: 24 }, () => [])
        byHour[hour]?.push(num(s, 'env_temperature_c'))
        run.envByHour.set(c.siteId, byHour)
        run.humidityByHour[hour]?.push(num(s, 'humidity_pct'))
      }
    }
    run.cleanShares.push(ok / models.length)
  }
  return run
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

describe('CameraModel over 48 h of a 20-camera fleet at 10 s', () => {
  let run: Run
  beforeAll(() => {
    run = simulate()
  })

  it('reports every known metric but online, in plausible ranges and sensible precision', () => {
    expect(run.problems).toEqual([])
    expect(run.samples).toBe(20 * 48 * 360)
  })

  it('looks like a healthy link and a self-heating housing most of the time', () => {
    // Medians within [0.01, 0.1] % loss and [10, 22] °C above ambient.
    const half = run.reports / 2
    expect(run.lossBelow.low).toBeLessThan(half)
    expect(run.lossBelow.high).toBeGreaterThanOrEqual(half)
    expect(run.heatingBelow.low).toBeLessThan(half)
    expect(run.heatingBelow.high).toBeGreaterThanOrEqual(half)
  })

  it('draws more power at night on cameras with IR illuminators', () => {
    expect(run.power.size).toBeGreaterThan(0)
    for (const [id, p] of run.power) {
      expect(mean(p.night), id).toBeGreaterThan(mean(p.day) + 1.5)
    }
  })

  it('peaks the outdoor temperature in the local afternoon and humidity around dawn', () => {
    expect(run.envByHour.size).toBeGreaterThan(0)
    for (const [siteId, byHour] of run.envByHour) {
      const means = byHour.map(mean)
      const peak = means.indexOf(Math.max(...means))
      expect(peak, siteId).toBeGreaterThanOrEqual(12)
      expect(peak, siteId).toBeLessThanOrEqual(18)
    }
    const rh = run.humidityByHour.map(mean)
    expect(mean(rh.slice(3, 8))).toBeGreaterThan(mean(rh.slice(13, 18)) + 5)
  })

  it('has faults now and then but keeps the fleet mostly healthy', () => {
    expect(run.nulls).toBeGreaterThan(0)
    expect(run.fpsDrops).toBeGreaterThan(0)
    expect(run.lossBursts).toBeGreaterThan(0)
    expect(run.nulls / run.samples).toBeLessThan(0.01)
    const share = mean(run.cleanShares)
    expect(share).toBeGreaterThan(0.85)
    expect(share).toBeLessThan(1)
  })
})

describe('CameraModel', () => {
  const fleet = createFleet({ cameras: 20, seed: 1 })
  const fresh = (): CameraModel[] => createModels(fleet)
  const T = Date.UTC(2026, 6, 15, 12)

  it('gives the same values for the same seed and timestamps', () => {
    const a = createModels(createFleet({ cameras: 20, seed: 5 }))
    const b = createModels(createFleet({ cameras: 20, seed: 5 }))
    const c = createModels(createFleet({ cameras: 20, seed: 6 }))
    for (const ts of [T, T + 10_000, T + HOUR]) {
      expect(sampleFleetAt(a, ts)).toEqual(sampleFleetAt(b, ts))
      expect(sampleFleetAt(a, ts)).not.toEqual(sampleFleetAt(c, ts))
    }
  })

  it('does not depend on what was sampled before or how often', () => {
    const dense = fresh()
    for (let ts = T - 6 * HOUR; ts < T; ts += 10_000) for (const m of dense) m.sample(ts)
    const sparse = fresh()
    sparse.forEach((m) => m.sample(T + 30 * 86_400_000))
    expect(sampleFleetAt(sparse, T)).toEqual(sampleFleetAt(dense, T))
  })

  it('records the occasional reboot: uptime restarts and the counter grows', () => {
    const models = fresh()
    let resets = 0
    const last = new Map<string, Sample>()
    for (let ts = T; ts < T + 14 * 86_400_000; ts += 300_000) {
      for (const m of models) {
        const s = m.sample(ts)
        const prev = last.get(m.camera.id)
        if (s === null) continue
        if (prev && num(s, 'uptime_s') < num(prev, 'uptime_s')) {
          resets++
          expect(num(s, 'reboots')).toBeGreaterThan(num(prev, 'reboots'))
        }
        last.set(m.camera.id, s)
      }
    }
    expect(resets).toBeGreaterThan(0)
  })

  it('returns nothing before the camera was installed', () => {
    const [m] = fresh()
    expect(m?.sample((m?.camera.installedAt ?? 0) - 1)).toBeNull()
  })
})
