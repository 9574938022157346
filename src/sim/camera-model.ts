import { CameraHistory, fpsDropShare } from './camera-history.js'
import type { SiteKind } from './catalog.js'
import { SiteEnvironment } from './environment.js'
import { DAY, SECOND, activeAt, dayOf } from './episodes.js'
import {
  DISK_FILL_FULL_AT,
  INJECTED_FPS_SHARE,
  activeFault,
  checkFault,
  overheatLevel,
  type Fault,
} from './faults.js'
import { GB_PER_DAY_PER_KBPS, type Fleet, type SimCamera } from './fleet.js'
import { clamp, hash, noise, round, smoothNoise, unit } from './random.js'

/** One camera's metrics at an instant (DESIGN §2 known metrics, all but the derived `online`). */
export type Sample = Record<string, number | boolean>

/** Housing temperature above which cameras throttle their encoder. */
export const THROTTLE_C = 75
/** Where an injected overheat takes the housing. */
const OVERHEAT_C = 88
/** Below this solar elevation (°) the day/night switch has turned the IR illuminator on. */
const IR_ON_DEG = -4
/** Misconfigured loop recording: the card fills from here, sits full, then someone clears it. */
const FILL_FROM_PCT = 60
const FULL_DAYS = 10

/** Background vibration by kind of site, g. */
const VIBRATION_G: Readonly<Record<SiteKind, number>> = {
  office: 0.004,
  airport: 0.008,
  metro: 0.02,
  depot: 0.012,
  mall: 0.005,
  hospital: 0.004,
}

// Noise streams, one per metric so that they are independent.
const N_BASE = 31
const N_TEMP = 32
const N_FPS = 33
const N_BITRATE = 34
const N_QUALITY = 35
const N_FOCUS = 36
const N_DISK = 37
const N_POWER = 38
const N_VOLT = 39
const N_PQ = 40
const N_LOSS = 41
const N_LATENCY = 42
const N_JITTER = 43
const N_BW = 44
const N_SKEW = 45
const N_ENV = 46
const N_RH = 47
const N_VIB = 48
const K_MICRO = 60
const K_SAW = 61
const K_PATROL = 62
const K_TRAIN = 63
const K_RETENTION = 64
const K_MEMORY = 65
const N_MEMORY = 49

/**
 * A simulated camera. `sample(ts)` is a function of the camera, its site, the injected faults
 * and the data time alone: the same fleet seed and timestamps give the same values, whatever
 * was sampled before, and a backfill and a live run of the same fleet agree where they meet.
 */
export class CameraModel {
  private readonly injected: Fault[] = []
  private readonly history: CameraHistory
  private readonly microC: number
  private readonly microRh: number
  private readonly sawPeriodMs: number
  private readonly trainPeriodS: number
  private readonly memory: MemoryProfile

  constructor(
    readonly camera: SimCamera,
    private readonly env: SiteEnvironment,
  ) {
    if (env.site.id !== camera.siteId) throw new Error(`camera ${camera.id} is not at site ${env.site.id}`)
    this.history = new CameraHistory(camera, env, this.injected)
    const s = camera.seed
    this.microC = (unit(s, K_MICRO) - 0.5) * (camera.outdoor ? 0.8 : 1.6)
    this.microRh = (unit(s, K_MICRO, 1) - 0.5) * 4
    this.sawPeriodMs = (2 + 4 * unit(s, K_SAW)) * 3_600_000
    this.trainPeriodS = Math.round(150 + 90 * unit(s, K_TRAIN))
    this.memory = memoryProfile(s)
  }

  /**
   * Free memory (memory_free_pct) of a healthy camera at `ts`, `uptimeMs` after its last boot:
   * its own level (a few cameras sit low all their lives), a little less when the scene is busy,
   * a slow wander, and after a boot a high start that settles within hours (caches filling) and
   * a creep of a few points over days that levels off. None of it is a leak.
   */
  memoryFree(ts: number, uptimeMs: number, activity: number, noiseBase: number): number {
    const p = this.memory
    const free = p.levelPct - p.busyPct * activity + p.wanderPct * smoothNoise(this.camera.seed, K_MEMORY, ts, p.wanderPeriodMs) + 0.3 * noise(noiseBase, N_MEMORY)
    return free + this.memoryAfterBoot(uptimeMs)
  }

  /** What a boot adds to free memory `uptimeMs` later (caches settling, then a creep that levels off). */
  memoryAfterBoot(uptimeMs: number): number {
    const p = this.memory
    const u = Math.max(0, uptimeMs)
    return p.settlePct * Math.exp(-u / MEMORY_SETTLE_MS) - p.creepPct * (1 - Math.exp(-u / p.creepMs))
  }

  /** Free memory at which this camera's firmware runs out and crashes, %. */
  get outOfMemoryPct(): number {
    return this.memory.outOfMemoryPct
  }

  /** Drives a failure in data time [from, to); see FaultKind. */
  inject(fault: Fault): void {
    this.injected.push(checkFault(fault))
  }

  get faults(): readonly Fault[] {
    return this.injected
  }

  /** The site's surroundings this camera samples. */
  get environment(): SiteEnvironment {
    return this.env
  }

  /** Card health at `ts` (100 = new) before any injected fault: its wear-out sawtooth. */
  diskHealth(ts: number): number {
    return this.history.diskHealth(ts)
  }

  /** The camera's metrics at `ts` (epoch ms), or null when it is down and sends nothing. */
  sample(ts: number): Sample | null {
    if (!Number.isFinite(ts)) throw new RangeError('ts must be a finite epoch ms')
    const c = this.camera
    if (ts < c.installedAt) return null
    const boot = this.history.lastBoot(ts)
    if (ts < boot.end) return null
    const day = dayOf(ts)
    const today = this.history.events(day)
    const before = this.history.events(day - 1)
    if (activeAt(ts, today.outages, before.outages) || activeFault(this.injected, 'offline', ts)) return null

    const sec = Math.floor(ts / SECOND)
    const base = hash(c.seed, N_BASE, sec)
    const site = this.env.at(ts)

    // Surroundings.
    const ambientC = (c.outdoor ? site.outdoorC : site.indoorC) + this.microC
    const rh = clamp((c.outdoor ? site.outdoorRh : site.indoorRh) + this.microRh + 0.4 * noise(base, N_RH), 0, 100)
    const elevation = site.sunElevationDeg
    const irOn = c.ir && elevation < IR_ON_DEG
    const activity = site.activity
    // Condensation on the window at dawn blurs and flattens the picture.
    const fog = c.outdoor ? clamp((rh - 95) / 4, 0, 1) : 0
    const tamper = activeAt(ts, today.tampers, before.tampers) !== undefined

    // Power and heat.
    const overheatFault = activeFault(this.injected, 'overheat', ts)
    const overheat = overheatFault ? overheatLevel(overheatFault, ts) : 0
    const normalC =
      ambientC +
      c.selfHeatingC +
      c.sunLoadC * Math.max(0, Math.sin((elevation * Math.PI) / 180)) +
      (irOn ? 1.2 : 0) +
      (c.fanFault ? 9 : 0) +
      0.25 * noise(base, N_TEMP)
    // An overheating camera (blocked vent, failed fan, sun on a dark housing) heads for its limit.
    const housingC = normalC + overheat * Math.max(25, OVERHEAT_C - normalC)
    const fanOk = !(c.hasFan && (c.fanFault || overheatFault !== undefined))
    const heaterW = c.heaterW > 0 && ambientC < 3 ? c.heaterW * clamp((3 - ambientC) / 10, 0.3, 1) : 0
    const fanW = c.hasFan && fanOk && housingC > 35 ? 0.8 : 0
    const ptzW = c.ptz ? 2.5 * Math.max(0, smoothNoise(c.seed, K_PATROL, ts, 120_000)) : 0
    const powerW = Math.min(
      c.powerMaxW,
      c.basePowerW * (1 + 0.015 * noise(base, N_POWER)) + (irOn ? c.irPowerW : 0) + heaterW + fanW + ptzW,
    )
    const dip = activeAt(ts, today.dips, before.dips)
    const voltageV =
      c.nominalVoltageV - c.cableDropVPerW * powerW + 0.08 * noise(base, N_VOLT) - (dip ? 2 + 6 * dip.level : 0)
    const powerQuality = clamp(99.4 + 0.25 * noise(base, N_PQ) - (dip ? 6 + 14 * dip.level : 0), 0, 100)

    // Video.
    let fps: number = c.fpsTarget
    const drop = activeAt(ts, today.fpsDrops, before.fpsDrops)
    if (drop) fps *= fpsDropShare(drop)
    if (activeFault(this.injected, 'fps_drop', ts)) fps = Math.min(fps, c.fpsTarget * INJECTED_FPS_SHARE)
    fps *= throttleFactor(housingC)
    fps = clamp(fps - Math.abs(noise(base, N_FPS)) * 0.06 * (c.fpsTarget / 25), 0, c.fpsTarget)
    // Sensor noise under IR costs bits; busy scenes too; a covered lens compresses to little.
    const bitrate =
      c.bitrateKbps *
      (fps / c.fpsTarget) ** 0.8 *
      (0.7 + 0.3 * activity) *
      (irOn ? 1.3 : 1) *
      (1 - 0.2 * fog) *
      (tamper ? 0.4 : 1) *
      (1 + 0.05 * noise(base, N_BITRATE))
    const night = c.ir ? clamp((IR_ON_DEG + 2 - elevation) / 4, 0, 1) : 0
    const quality =
      (c.imageQualityBase - c.nightQualityPenalty * night - 25 * fog + 1.2 * noise(base, N_QUALITY)) * (tamper ? 0.3 : 1)
    const focus = (c.focusBase - 12 * fog + 0.8 * noise(base, N_FOCUS)) * (tamper ? 0.3 : 1)

    // Storage.
    const health = this.history.diskHealth(ts)
    const disk = this.disk(ts)
    let used = disk.used + 0.03 * noise(base, N_DISK)
    const fill = activeFault(this.injected, 'disk_fill', ts)
    const fillProgress = fill ? (ts - fill.from) / (DISK_FILL_FULL_AT * (fill.to - fill.from)) : 0
    if (fill) used += (100 - used) * Math.min(1, fillProgress)
    const diskFull = fillProgress >= 1
    const recording = health > 3 && !diskFull
    const counters = this.history.counters(ts)

    // Network.
    const burst = activeAt(ts, today.losses, before.losses)
    const congestion = site.congestion
    const injectedLoss = activeFault(this.injected, 'packet_loss', ts) !== undefined
    const loss =
      c.lossBasePct * Math.exp(0.45 * noise(base, N_LOSS)) +
      (burst ? 1 + 5 * burst.level : 0) +
      (congestion ? 0.3 + 1.5 * congestion.level : 0) +
      (injectedLoss ? 6 * Math.exp(0.25 * noise(base, N_LOSS + 100)) : 0)
    const latency =
      this.env.site.wanLatencyMs +
      c.lanLatencyMs +
      0.5 * Math.abs(noise(base, N_LATENCY)) +
      (burst ? 8 + 25 * burst.level : 0) +
      (congestion ? 15 + 40 * congestion.level : 0) +
      (injectedLoss ? 60 : 0)
    const jitter =
      c.jitterBaseMs * Math.exp(0.3 * noise(base, N_JITTER)) +
      (burst ? 4 + 12 * burst.level : 0) +
      (congestion ? 3 + 8 * congestion.level : 0) +
      (injectedLoss ? 25 : 0)

    const uptimeMs = ts - boot.start
    const memory = this.memoryFree(ts, uptimeMs, activity, base)
    return {
      uptime_s: Math.floor(uptimeMs / SECOND),
      reboots: counters.reboots,
      clock_skew_s: round(c.clockBiasS + (c.clockDriftSPerDay * uptimeMs) / DAY + 0.02 * noise(base, N_SKEW), 2),
      fps: round(fps, 1),
      fps_target: c.fpsTarget,
      bitrate_kbps: Math.round(bitrate),
      dropped_frames: counters.droppedFrames,
      image_quality: round(clamp(quality, 0, 100), 1),
      focus_score: round(clamp(focus, 0, 100), 1),
      tamper,
      disk_used_pct: round(clamp(used, 0, 100), 2),
      disk_capacity_gb: c.diskCapacityGb,
      disk_health_pct: round(health, 1),
      disk_write_errors: counters.writeErrors,
      recording,
      retention_days: round(disk.retention, 1),
      cloud_used_gb: round((c.cloudGbPerDay * Math.max(0, ts - c.cloudSince)) / DAY, 2),
      temperature_c: round(housingC, 1),
      power_w: round(powerW, 2),
      voltage_v: round(voltageV, 2),
      power_ok: voltageV >= 44.5,
      fan_ok: fanOk,
      env_temperature_c: round(ambientC + 0.1 * noise(base, N_ENV), 1),
      humidity_pct: round(rh, 1),
      vibration_g: round(this.vibration(ts, sec, noise(base, N_VIB)), 3),
      power_quality_pct: round(powerQuality, 1),
      bandwidth_mbps: round(Math.max(0, (bitrate / 1000) * 1.04 + c.substreamMbps + 0.02 * noise(base, N_BW)), 2),
      packet_loss_pct: round(clamp(loss, 0, 100), 3),
      latency_ms: round(latency, 1),
      jitter_ms: round(jitter, 2),
      memory_free_pct: round(clamp(memory, 0, 100), 1),
    }
  }

  /** Card fill and days of video held, before any injected disk_fill. */
  private disk(ts: number): { used: number; retention: number } {
    const c = this.camera
    if (c.diskFillPctPerDay > 0) {
      // Deletes by age, but more arrives each day than leaves: the card climbs, then sits
      // full while the oldest footage goes early, until someone fixes the configuration.
      const cycleMs = ((100 - FILL_FROM_PCT) / c.diskFillPctPerDay + FULL_DAYS) * DAY
      const phase = unit(c.seed, K_RETENTION, 1) * cycleMs
      const days = ((((ts + phase) % cycleMs) + cycleMs) % cycleMs) / DAY
      const wanted = FILL_FROM_PCT + c.diskFillPctPerDay * days
      return { used: Math.min(99.6, wanted), retention: c.maxRetentionDays * Math.min(1, 99.6 / wanted) }
    }
    // Loop recording: the card sits at its plateau, creeping up as it records and stepping
    // down as the oldest chunk is deleted.
    const saw = (((ts + c.seed) % this.sawPeriodMs) + this.sawPeriodMs) % this.sawPeriodMs / this.sawPeriodMs
    const used = c.diskPlateauPct + 0.6 * (saw - 0.5)
    const gbPerDay = c.bitrateKbps * c.recordDuty * GB_PER_DAY_PER_KBPS * 0.85
    const drift = 1 + 0.03 * smoothNoise(c.seed, K_RETENTION, ts, DAY)
    return { used, retention: ((c.diskCapacityGb * used) / 100 / gbPerDay) * drift }
  }

  private vibration(ts: number, sec: number, noise: number): number {
    const c = this.camera
    let g = VIBRATION_G[this.env.site.kind] * (c.outdoor ? 1.8 : 1) * Math.exp(0.35 * noise)
    // Trains pass every few minutes and shake the whole station for a few seconds.
    if (this.env.site.kind === 'metro' && (sec + c.seed) % this.trainPeriodS < 20) {
      g += 0.05 + 0.07 * unit(c.seed, K_TRAIN, Math.floor(sec / this.trainPeriodS))
    }
    // Wind rocks poles and façades.
    if (c.outdoor) g += 0.01 * Math.max(0, smoothNoise(this.env.site.seed, K_PATROL, ts, 600_000))
    return g
  }
}

/** Caches fill within a few hours of a boot. */
const MEMORY_SETTLE_MS = 3 * 3_600_000

interface MemoryProfile {
  readonly levelPct: number
  readonly busyPct: number
  readonly wanderPct: number
  readonly wanderPeriodMs: number
  readonly settlePct: number
  readonly creepPct: number
  readonly creepMs: number
  readonly outOfMemoryPct: number
}

/**
 * A camera's free memory (custom metric memory_free_pct, as SNMP HOST-RESOURCES-MIB hrStorage
 * or VAPIX report it): most run with a quarter to a half of their RAM free, one in sixteen sits
 * at 8-13 % all its life and never crashes for it.
 */
function memoryProfile(s: number): MemoryProfile {
  const low = unit(s, K_MEMORY, 1) < 1 / 16
  // A camera that sits low has a lean firmware build: it swings less, and runs out lower.
  const scale = low ? 0.3 : 1
  return {
    levelPct: low ? 8 + 5 * unit(s, K_MEMORY, 2) : 25 + 30 * unit(s, K_MEMORY, 2),
    busyPct: (low ? 0.5 : 1) * (1 + 2 * unit(s, K_MEMORY, 3)),
    wanderPct: scale * (1 + 4 * unit(s, K_MEMORY, 4)),
    wanderPeriodMs: (1 + unit(s, K_MEMORY, 5)) * DAY,
    settlePct: 8 + 6 * unit(s, K_MEMORY, 6),
    creepPct: (low ? 0.2 : 1) * (2 + 6 * unit(s, K_MEMORY, 7)),
    creepMs: (2 + 3 * unit(s, K_MEMORY, 8)) * DAY,
    outOfMemoryPct: low ? 1.5 + unit(s, K_MEMORY, 9) : 2 + 3 * unit(s, K_MEMORY, 9),
  }
}

/** Share of the target frame rate a camera keeps at this housing temperature (encoder throttling). */
export function throttleFactor(housingC: number): number {
  return housingC > THROTTLE_C ? Math.max(0.4, 1 - (housingC - THROTTLE_C) * 0.05) : 1
}

/** One model per camera; cameras of a site share its environment. */
export function createModels(fleet: Fleet): CameraModel[] {
  const envs = new Map(fleet.sites.map((s) => [s.id, new SiteEnvironment(s)]))
  return fleet.cameras.map((c) => {
    const env = envs.get(c.siteId)
    if (env === undefined) throw new Error(`camera ${c.id} names unknown site ${c.siteId}`)
    return new CameraModel(c, env)
  })
}

/** A sample of one camera at its own data time. */
export interface SimSample {
  readonly cameraId: string
  readonly ts: number
  readonly metrics: Sample
}

/** Samples every camera at `ts`; cameras that are down are left out. */
export function sampleFleetAt(models: readonly CameraModel[], ts: number): SimSample[] {
  const out: SimSample[] = []
  for (const m of models) {
    const metrics = m.sample(ts)
    if (metrics !== null) out.push({ cameraId: m.camera.id, ts, metrics })
  }
  return out
}
