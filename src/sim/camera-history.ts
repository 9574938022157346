import type { SiteEnvironment } from './environment.js'
import { DAY, MINUTE, SECOND, dayOf, elapsedS, progress, scheduleDay, type Episode } from './episodes.js'
import {
  DISK_FILL_FULL_AT,
  FULL_DISK_ERRORS_PER_S,
  INJECTED_FPS_SHARE,
  loopBoot,
  loopReboots,
  type Fault,
} from './faults.js'
import type { SimCamera } from './fleet.js'
import { clamp, unit } from './random.js'

/**
 * Random faults per camera and day. Tuned so that a fleet is about 90 % clean at any instant
 * (persistent conditions such as clock drift or a filling card make up most of the rest) while
 * a 200-camera demo still shows a few events an hour.
 */
export const RATES = {
  crash: { perDay: 1 / 40, minMs: 60 * SECOND, maxMs: 150 * SECOND },
  outage: { perDay: 1 / 15, minMs: MINUTE, maxMs: 12 * MINUTE },
  fpsDrop: { perDay: 1 / 5, minMs: 3 * MINUTE, maxMs: 40 * MINUTE },
  loss: { perDay: 1 / 4, minMs: 2 * MINUTE, maxMs: 25 * MINUTE },
  dip: { perDay: 1 / 5, minMs: MINUTE, maxMs: 6 * MINUTE },
  tamper: { perDay: 1 / 200, minMs: 10 * SECOND, maxMs: 3 * MINUTE },
} as const

const K_CRASH = 1
const K_OUTAGE = 2
const K_FPS = 3
const K_LOSS = 4
const K_DIP = 5
const K_TAMPER = 6
const K_DROP_DAY = 7
const K_ERRORS = 8
const K_MAINT = 9
const K_DROP_RATE = 10

/** Longer than the longest maintenance period: a boot is always found within it. */
const LOOKBACK_DAYS = 62
const NONE: Episode = { start: Number.NEGATIVE_INFINITY, end: Number.NEGATIVE_INFINITY, level: 0 }

export interface DayEvents {
  /** Crashes and power cycles of the camera's PoE switch, by start. */
  readonly boots: readonly Episode[]
  readonly outages: readonly Episode[]
  readonly fpsDrops: readonly Episode[]
  readonly losses: readonly Episode[]
  readonly dips: readonly Episode[]
  readonly tampers: readonly Episode[]
  /** Today's background frame-drop rate relative to the camera's mean. */
  readonly dropFactor: number
  readonly writeErrors: number
}

export interface Counters {
  reboots: number
  droppedFrames: number
  writeErrors: number
}

/** Frame rate during a random fps drop, as a share of the target. */
export function fpsDropShare(e: Episode): number {
  return 0.35 + 0.4 * e.level
}

/**
 * What a camera's present depends on from its past: boots, counters and card wear, all
 * derived from hashed per-day events so that any instant can be evaluated directly. Counters
 * are running sums over days since installation, kept as prefix sums as time moves forward.
 */
export class CameraHistory {
  private readonly days = new Map<number, DayEvents>()
  private readonly bootBefore = new Map<number, Episode>()
  private readonly prefix: Counters[] = []
  private readonly installDay: number
  private readonly installBoot: Episode
  private readonly dropsPerS: number
  private maintenance: Episode | undefined
  private maintenanceK = Number.NaN

  constructor(
    private readonly camera: SimCamera,
    private readonly env: SiteEnvironment,
    private readonly faults: readonly Fault[],
  ) {
    this.installDay = dayOf(camera.installedAt)
    this.installBoot = { start: camera.installedAt, end: camera.installedAt + 2 * MINUTE, level: 0 }
    // A healthy camera drops between 1 in 100,000 and 1 in 10,000 frames.
    this.dropsPerS = camera.fpsTarget * (1e-5 + 9e-5 * unit(camera.seed, K_DROP_RATE))
  }

  /** The events starting on UTC day `day`; the last few days are cached. */
  events(day: number): DayEvents {
    let e = this.days.get(day)
    if (e === undefined) {
      e = this.computeEvents(day)
      if (this.days.size >= 8) this.days.delete(this.days.keys().next().value as number)
      this.days.set(day, e)
    }
    return e
  }

  private computeEvents(day: number): DayEvents {
    const s = this.camera.seed
    return {
      boots: this.boots(day),
      outages: scheduleDay(s, K_OUTAGE, day, RATES.outage),
      fpsDrops: scheduleDay(s, K_FPS, day, RATES.fpsDrop),
      losses: scheduleDay(s, K_LOSS, day, RATES.loss),
      dips: scheduleDay(s, K_DIP, day, RATES.dip),
      tampers: scheduleDay(s, K_TAMPER, day, RATES.tamper),
      dropFactor: 0.5 + unit(s, K_DROP_DAY, day),
      writeErrors: this.writeErrorsOn(day),
    }
  }

  private boots(day: number): Episode[] {
    const crashes = scheduleDay(this.camera.seed, K_CRASH, day, RATES.crash)
    return [...crashes, ...this.env.poeCycles(this.camera.switchId, day)].sort((a, b) => a.start - b.start)
  }

  /** The boot the camera is running on at `ts` (its downtime is [start, end)). */
  lastBoot(ts: number): Episode {
    let best = this.installBoot
    const maintenance = this.maintenanceBoot(ts)
    if (maintenance.start > best.start) best = maintenance
    const day = dayOf(ts)
    let random: Episode | undefined
    for (const b of this.events(day).boots) if (b.start <= ts) random = b
    random ??= this.randomBootBefore(day)
    if (random !== undefined && random.start > best.start) best = random
    for (const f of this.faults) {
      const loop = f.kind === 'reboot_loop' ? loopBoot(f, ts) : undefined
      if (loop !== undefined && loop.start > best.start) best = loop
    }
    return best
  }

  private maintenanceBoot(ts: number): Episode {
    const c = this.camera
    const period = c.maintenancePeriodDays * DAY
    const k = Math.floor((ts - c.maintenancePhase) / period)
    if (k !== this.maintenanceK || this.maintenance === undefined) {
      const start = c.maintenancePhase + k * period
      this.maintenance = { start, end: start + 80 * SECOND + Math.round(60 * SECOND * unit(c.seed, K_MAINT, k)), level: 0 }
      this.maintenanceK = k
    }
    return this.maintenance
  }

  private maintenanceCount(ts: number): number {
    const c = this.camera
    const period = c.maintenancePeriodDays * DAY
    const last = Math.floor((ts - c.maintenancePhase) / period)
    const beforeInstall = Math.floor((c.installedAt - 1 - c.maintenancePhase) / period)
    return Math.max(0, last - beforeInstall)
  }

  /** The latest random boot before UTC day `day` began, within the look-back window. */
  private randomBootBefore(day: number): Episode | undefined {
    const memo = this.bootBefore.get(day)
    if (memo !== undefined) return memo === NONE ? undefined : memo
    const walked: number[] = []
    let found: Episode | undefined
    for (let d = day; d > day - LOOKBACK_DAYS && found === undefined; d--) {
      const known = this.bootBefore.get(d)
      if (known !== undefined) {
        found = known === NONE ? undefined : known
        break
      }
      walked.push(d)
      const boots = this.boots(d - 1)
      found = boots[boots.length - 1]
    }
    if (this.bootBefore.size > 400) this.bootBefore.clear()
    if (found !== undefined) for (const d of walked) this.bootBefore.set(d, found)
    // "None in the window" holds for the day the walk started from only.
    else this.bootBefore.set(day, NONE)
    return found
  }

  /** Device counters at `ts`, since installation or the last injected counter reset. */
  counters(ts: number): Counters {
    const t = this.totals(ts)
    let reset: Fault | undefined
    for (const f of this.faults) {
      if (f.kind === 'counter_reset' && f.from <= ts && (reset === undefined || f.from > reset.from)) reset = f
    }
    if (reset === undefined) {
      return { reboots: Math.floor(t.reboots), droppedFrames: Math.floor(t.droppedFrames), writeErrors: Math.floor(t.writeErrors) }
    }
    const b = this.totals(reset.from)
    return {
      reboots: Math.floor(t.reboots) - Math.floor(b.reboots),
      droppedFrames: Math.floor(t.droppedFrames) - Math.floor(b.droppedFrames),
      writeErrors: Math.floor(t.writeErrors) - Math.floor(b.writeErrors),
    }
  }

  private totals(ts: number): Counters {
    const t: Counters = { reboots: 0, droppedFrames: 0, writeErrors: 0 }
    if (ts < this.camera.installedAt) return t
    const day = dayOf(ts)
    // Days before yesterday are complete; yesterday's episodes may still be running.
    if (day - 2 >= this.installDay) Object.assign(t, this.prefixThrough(day - 2))
    if (day - 1 >= this.installDay) this.addDay(t, day - 1, this.events(day - 1), ts)
    this.addDay(t, day, this.events(day), ts)
    t.reboots += this.maintenanceCount(ts)
    for (const f of this.faults) {
      if (f.kind === 'reboot_loop') t.reboots += loopReboots(f, ts)
      if (f.kind === 'fps_drop') t.droppedFrames += this.camera.fpsTarget * (1 - INJECTED_FPS_SHARE) * elapsedS(f.from, f.to, ts)
      if (f.kind === 'disk_fill') {
        const full = f.from + DISK_FILL_FULL_AT * (f.to - f.from)
        t.writeErrors += FULL_DISK_ERRORS_PER_S * elapsedS(full, f.to, ts)
      }
    }
    return t
  }

  private prefixThrough(day: number): Counters {
    const index = day - this.installDay
    while (this.prefix.length <= index) {
      const d = this.installDay + this.prefix.length
      const t = { ...(this.prefix[this.prefix.length - 1] ?? { reboots: 0, droppedFrames: 0, writeErrors: 0 }) }
      this.addDay(t, d, this.computeEvents(d), Number.POSITIVE_INFINITY)
      this.prefix.push(t)
    }
    const p = this.prefix[index]
    if (p === undefined) throw new Error('prefix sums out of step')
    return p
  }

  /** Adds what the events starting on day `d` contributed to the counters by `ts`. */
  private addDay(t: Counters, d: number, e: DayEvents, ts: number): void {
    const c = this.camera
    const start = d * DAY
    for (const b of e.boots) if (b.start <= ts) t.reboots += 1
    t.droppedFrames += this.dropsPerS * e.dropFactor * elapsedS(start, start + DAY, ts)
    for (const f of e.fpsDrops) t.droppedFrames += c.fpsTarget * (1 - fpsDropShare(f)) * elapsedS(f.start, f.end, ts)
    t.writeErrors += e.writeErrors * progress(start, start + DAY, ts)
  }

  /** Write errors on day `d`: rare on a healthy card, many as it wears out. */
  private writeErrorsOn(d: number): number {
    const health = this.diskHealth(d * DAY + DAY / 2)
    const mean = 0.02 + 30 * Math.max(0, (25 - health) / 25) ** 2
    // floor(x + U) with U uniform has mean x: an integer count with the right average.
    return Math.floor(mean * (0.5 + unit(this.camera.seed, K_ERRORS, d)) + unit(this.camera.seed, K_ERRORS, d, 1))
  }

  /**
   * Card health, 100 = new. It wears linearly with writes; a card that has run down is
   * replaced three weeks later, so wear is a sawtooth over the camera's life.
   */
  diskHealth(ts: number): number {
    const wear = this.camera.diskWearPctPerDay
    const lifeDays = 97 / wear + 21
    const ageDays = Math.max(0, (ts - this.camera.installedAt) / DAY) % lifeDays
    return clamp(100 - wear * ageDays, 2, 100)
  }
}
