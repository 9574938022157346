import { type CameraModel, type Sample, createModels } from '../camera-model.js'
import { DAY, HOUR, MINUTE, SECOND } from '../episodes.js'
import { LOOP_BOOT_MS, LOOP_PERIOD_MS } from '../faults.js'
import type { Fleet, SimCamera } from '../fleet.js'
import { clamp, hash, round, unit } from '../random.js'
import { applyDegradation, progress, setHousing } from './effects.js'
import { type Confounder, type Degradation, type Scenario, leakCrashes } from './plan.js'
import { duskAfter } from './sun.js'

/** A crash or an update's restart keeps the camera down this long. */
const BOOT_DOWN_MS = 100 * SECOND
/** Failures after which the camera sends nothing until repaired. */
const DARK_WHEN_FAILED = new Set(['overheating', 'power_instability', 'network_degradation'])

interface Boot {
  readonly at: number
  readonly downMs: number
}

/** A firmware leak: from `start` free memory falls to the out-of-memory level at each crash. */
interface Leak {
  readonly start: number
  /** The leak's crashes, the last at failAt (the loop). */
  readonly crashes: readonly number[]
  readonly failAt: number
  readonly repairAt: number
}

/**
 * A simulated camera living through a scenario: the base model's metrics with its planned
 * degradation and the confounders that touch it applied on top. `sample(ts)` stays a pure
 * function of time. `reportTs(ts)` is the timestamp the camera's own (maybe skewed) clock puts
 * on a report taken at true time `ts`.
 */
export class FailingCamera {
  private readonly degradations: readonly Degradation[]
  private readonly boots: Boot[]
  private readonly gaps: ReadonlyArray<readonly [number, number]>
  private readonly blips: readonly Confounder[]
  private readonly warmC: number
  private readonly nearFullPct: number | undefined
  private readonly offsets: { reboots: number; writeErrors: number; droppedFrames: number } | undefined
  private readonly resetAt: number | undefined
  private readonly skewS: number
  private readonly noEnv: boolean
  private readonly leaks: readonly Leak[]
  /** Firmware updates move the cohort's free memory (the new build uses more or less). */
  private readonly memorySteps: ReadonlyArray<{ readonly at: number; readonly pct: number }>

  constructor(
    readonly model: CameraModel,
    scenario: Scenario,
  ) {
    const c = model.camera
    const mine = (x: Confounder) => x.cameraIds.includes(c.id)
    const confounders = scenario.confounders.filter(mine)
    const of = (kind: Confounder['kind']) => confounders.filter((x) => x.kind === kind)
    const s = c.seed
    this.degradations = scenario.degradations.filter((d) => d.cameraId === c.id)
    this.gaps = [...of('report_gap'), ...of('uplink_outage')].map((x) => [x.from, x.to] as const)
    this.blips = of('network_blip')
    const warm = of('always_warm')[0]
    this.warmC = warm ? (warm.params.minC ?? 6) + ((warm.params.maxC ?? 12) - (warm.params.minC ?? 6)) * unit(s, 0x3a41) : 0
    const full = of('near_full')[0]
    this.nearFullPct = full ? (full.params.minPct ?? 97.5) + ((full.params.maxPct ?? 99) - (full.params.minPct ?? 97.5)) * unit(s, 0x3a42) : undefined
    this.offsets = of('old_counters').length > 0
      ? { reboots: Math.round(500 + 4500 * unit(s, 0x3a43)), writeErrors: Math.round(10 ** (3 + 3 * unit(s, 0x3a44))), droppedFrames: Math.round(10 ** (7 + 2 * unit(s, 0x3a45))) }
      : undefined
    this.resetAt = of('counter_reset')[0]?.from
    if (this.resetAt !== undefined) model.inject({ kind: 'counter_reset', from: this.resetAt, to: this.resetAt })
    this.skewS = of('clock_skew')[0]?.params.skewS ?? 0
    this.noEnv = of('no_env_sensor').length > 0
    this.boots = this.planBoots(of('firmware_update'))
    this.leaks = this.degradations
      .filter((d) => d.mode === 'reboot_loop')
      .map((d) => ({ start: d.onset, crashes: this.leakCrashTimes(d), failAt: d.failAt, repairAt: d.repairAt }))
    this.memorySteps = of('firmware_update').map((u) => ({ at: u.from, pct: -6 + 10 * unit(u.params.cohortHash ?? 0, 0x3c05) }))
  }

  get camera(): SimCamera {
    return this.model.camera
  }

  reportTs(ts: number): number {
    return ts + this.skewS * SECOND
  }

  /** The camera's metrics at true time `ts`, or null when it sends nothing. */
  sample(ts: number): Sample | null {
    for (const [from, to] of this.gaps) if (from <= ts && ts < to) return null
    for (const d of this.degradations) {
      if (DARK_WHEN_FAILED.has(d.mode) && d.failAt <= ts && ts < d.repairAt) return null
    }
    const n = this.bootsUpTo(ts)
    const last = n > 0 ? this.boots[n - 1] : undefined
    if (last !== undefined && ts < last.at + last.downMs) return null
    const base = this.model.sample(ts)
    if (base === null) return null
    const m: Sample = { ...base }
    if (last !== undefined) m.uptime_s = Math.min(Number(m.uptime_s), Math.floor((ts - last.at) / SECOND))
    m.memory_free_pct = this.memory(ts, Number(m.memory_free_pct), Number(base.uptime_s) * SECOND, Number(m.uptime_s) * SECOND)
    const afterReset = (t: number) => this.resetAt !== undefined && t >= this.resetAt
    m.reboots = Number(m.reboots) + n - (this.resetAt !== undefined && ts >= this.resetAt ? this.bootsUpTo(this.resetAt) : 0)
    const ctx = { camera: this.camera, env: this.model.environment }
    for (const d of this.degradations) {
      if (d.onset <= ts && ts < d.repairAt) applyDegradation(d, m, ts, ctx)
      else if (d.mode === 'disk_failure' && ts >= d.repairAt) {
        // A new card, wearing from 100 % like the old one did.
        m.disk_health_pct = round(Math.max(2, 100 - (this.camera.diskWearPctPerDay * (ts - d.repairAt)) / DAY), 1)
      }
    }
    if (this.warmC !== 0) setHousing(m, Number(m.temperature_c) + this.warmC)
    const filling = this.degradations.some((d) => d.mode === 'disk_full' && d.onset <= ts && ts < d.repairAt)
    if (this.nearFullPct !== undefined && !filling) {
      m.disk_used_pct = round(Math.min(99.9, Number(m.disk_used_pct) + this.nearFullPct - this.camera.diskPlateauPct), 2)
    }
    // Counters that ran for years before this history began; a reset clears them like the rest.
    if (this.offsets !== undefined && !afterReset(ts)) {
      m.reboots = Number(m.reboots) + this.offsets.reboots
      m.disk_write_errors = Number(m.disk_write_errors) + this.offsets.writeErrors
      m.dropped_frames = Number(m.dropped_frames) + this.offsets.droppedFrames
    }
    for (const b of this.blips) {
      if (ts < b.from || ts >= b.to) continue
      const level = (b.params.lossPct ?? 3) * (0.7 + 0.6 * unit(this.camera.seed, 0x3b11, b.from))
      m.packet_loss_pct = round(Math.min(100, Number(m.packet_loss_pct) + level), 3)
      m.jitter_ms = round(Number(m.jitter_ms) + 3 * level, 2)
      m.latency_ms = round(Number(m.latency_ms) + 10 * level, 1)
    }
    if (this.noEnv) {
      delete m.env_temperature_c
      delete m.humidity_pct
    }
    if (this.skewS !== 0) m.clock_skew_s = round(Number(m.clock_skew_s) + this.skewS, 2)
    return m
  }

  /**
   * Free memory at `ts`: the healthy camera's, settled from the last boot of any kind (the base
   * model only knows its own), moved by firmware updates, and eaten by a leak: from the last boot
   * it falls in a straight line to the out-of-memory level at the next crash; looping, it stays there.
   */
  private memory(ts: number, healthy: number, baseUptimeMs: number, uptimeMs: number): number {
    let free = healthy + this.model.memoryAfterBoot(uptimeMs) - this.model.memoryAfterBoot(baseUptimeMs)
    for (const step of this.memorySteps) if (ts >= step.at) free += step.pct
    const oom = this.model.outOfMemoryPct
    for (const leak of this.leaks) {
      if (ts < leak.start || ts >= leak.repairAt) continue
      if (ts >= leak.failAt) return round(oom + 0.5 + 0.5 * unit(this.camera.seed, 0x3c06, Math.floor(ts / MINUTE)), 1)
      const next = leak.crashes.find((c) => c > ts) ?? leak.failAt
      const from = Math.max(leak.start, ts - uptimeMs)
      const eaten = clamp((ts - from) / Math.max(MINUTE, next - from), 0, 1)
      free = oom + (1 - eaten) * (free - oom)
    }
    return round(clamp(free, 0, 100), 1)
  }

  private leakCrashTimes(d: Degradation): number[] {
    const first = d.onset + (d.params.leadInMs ?? 0)
    return leakCrashes(d.params.firstMs ?? DAY, d.params.ratio ?? 0.6, hash(this.camera.seed, 0x1ea4)).map((offset) => first + offset)
  }

  /** Boots at or before `ts` (binary search over the sorted plan). */
  private bootsUpTo(ts: number): number {
    let lo = 0
    let hi = this.boots.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.boots[mid] as Boot).at <= ts) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private planBoots(updates: readonly Confounder[]): Boot[] {
    const c = this.camera
    const out: Boot[] = []
    const crash = (at: number) => out.push({ at, downMs: BOOT_DOWN_MS })
    for (const u of updates) {
      // Staggered over the rollout window; the install restarts twice, some once more next night.
      const first = u.from + (u.to - u.from) * unit(c.seed, 0x3c01, u.from)
      crash(first)
      crash(first + (4 + 11 * unit(c.seed, 0x3c02, u.from)) * MINUTE)
      if (unit(c.seed, 0x3c03, u.from) < 0.25) crash(first + DAY + 30 * MINUTE * unit(c.seed, 0x3c04, u.from))
    }
    for (const d of this.degradations) {
      if (d.mode === 'reboot_loop') {
        for (const at of this.leakCrashTimes(d)) crash(at)
        for (let t = d.failAt + LOOP_PERIOD_MS; t < d.repairAt; t += LOOP_PERIOD_MS) out.push({ at: t, downMs: LOOP_BOOT_MS })
      }
      if (d.mode === 'power_instability' && !d.abrupt) this.brownouts(d, crash)
      if (d.mode === 'overheating') this.thermalTrips(d, crash)
    }
    return out.sort((a, b) => a.at - b.at)
  }

  /** A weak supply browns out when the load rises (the IR illuminator at dusk): more often as it weakens. */
  private brownouts(d: Degradation, crash: (at: number) => void): void {
    const c = this.camera
    const env = this.model.environment
    for (let day = Math.floor(d.onset / DAY); day * DAY < d.failAt; day++) {
      const t = c.ir ? duskAfter(env, day * DAY + 6 * HOUR) : day * DAY + 24 * HOUR * unit(c.seed, 0x3d01, day)
      if (t < d.onset || t >= d.failAt) continue
      const loadedV = (d.params.vLoaded ?? 50) - (d.params.dropMaxV ?? 10) * progress(d, t) ** 1.5
      if (unit(c.seed, 0x3d02, day) < Math.min(1, Math.max(0, (44 - loadedV) / 3))) crash(t + MINUTE * (1 + 19 * unit(c.seed, 0x3d03, day)))
    }
  }

  /** In the last days before the shutdown, the hottest afternoons trip the thermal protection. */
  private thermalTrips(d: Degradation, crash: (at: number) => void): void {
    let lastDay = -1
    for (let t = Math.max(d.onset, d.failAt - 4 * DAY); t < d.failAt - HOUR; t += HOUR) {
      const day = Math.floor(t / DAY)
      if (day === lastDay) continue
      const s = this.model.sample(t)
      if (s === null) continue
      const m: Sample = { ...s }
      applyDegradation(d, m, t, { camera: this.camera, env: this.model.environment })
      if (Number(m.temperature_c) + this.warmC >= 81) {
        crash(t + 10 * MINUTE)
        lastDay = day
      }
    }
  }
}

/** Models for every camera of the fleet living through the scenario (heatwaves, faults, confounders). */
export function createFailingFleet(fleet: Fleet, scenario: Scenario): FailingCamera[] {
  const models = createModels(fleet)
  const envs = new Map(models.map((m) => [m.camera.siteId, m.environment]))
  for (const x of scenario.confounders) {
    if (x.kind !== 'heatwave' || x.siteId === undefined) continue
    envs.get(x.siteId)?.addHeatwave({ from: x.from, to: x.to, peakC: x.params.peakC ?? 8 })
  }
  return models.map((m) => new FailingCamera(m, scenario))
}
