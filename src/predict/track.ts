import { DiurnalBaseline } from './baseline.js'
import { BOOT_COLLECTIVE, BOOT_EXPLAINED, BOOT_SOLO, BootLog } from './boots.js'
import { DAYS, D_LOSS, D_V_LOW, DayBook } from './daily.js'
import { H_DT, H_FAN_BAD, H_HEALTH, H_LOSS, H_PQ_MIN, H_Q, H_REC_OFF, H_SLOTS, H_T, H_T_MAX, H_THROTTLE, H_USED_MAX, H_V, H_V_MIN, H_WERR, H_FOCUS, H_MEM, A_SLOTS, HourAccumulator } from './hourly.js'
import type { PeerGroup, PeerGroups } from './peers.js'
import { QuarterRing } from './quarters.js'
import { type StateReader, StateFormatError, type StateWriter } from './state.js'
import { quantile } from './stats.js'

export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS

/** What the predictor needs to know of a camera from the registry. */
export interface CameraInfo {
  readonly siteId: string
  readonly tags: readonly string[]
  readonly model: string | null
  readonly firmware: string | null
}

/**
 * Hours are finalised this many hours after they close, so that the camera's peers have closed
 * the same hour by then and their medians are complete (a fleet reports at about the same data time).
 */
const LAG_HOURS = 2
/** A boot is collective when at least this share of a group's other cameras booted within ±1 hour. */
const COLLECTIVE_SHARE = 0.2
/** Voltage this far below the hour's mean counts as a dip, V. */
const DIP_V = 2
/** A boot in an hour this far below the usual floor is a brownout, V. */
const LOW_BOOT_V = 1.5
/** A boot in an hour this hot (°C over normal and peers, or absolute) is a thermal trip. */
const HOT_BOOT_EXCESS_C = 8
const HOT_BOOT_C = 75

interface Pending {
  hour: number
  readonly s: Float32Array
  /** Residuals against the camera's own baselines when the hour closed (what peers were told). */
  tempResidual: number
  qualityResidual: number
}

/**
 * One camera's predictor state, bounded whatever the history length: the hour being filled, two
 * closed hours awaiting their peers, hour-of-day baselines, a boot log and DAYS daily summaries.
 * Reports must arrive in data-time order per camera; an older one (a backlog synced after an
 * outage) is left out, as its hour has already been judged.
 */
export class CameraTrack {
  private readonly acc = new HourAccumulator()
  private hour = Number.NaN
  lastTs = Number.NEGATIVE_INFINITY
  private readonly pending: Pending[] = []
  private readonly spare: Float32Array[] = [new Float32Array(H_SLOTS), new Float32Array(H_SLOTS), new Float32Array(H_SLOTS)]
  private lastWriteErrors = Number.NaN
  readonly boots = new BootLog()
  readonly days = new DayBook()
  readonly quarters = new QuarterRing()
  readonly temperature = new DiurnalBaseline(1 / 14, 0.5)
  readonly quality = new DiurnalBaseline(1 / 21, 1)
  /** Housing over ambient: the fallback judge when a camera has no peers and reports its surroundings. */
  readonly overAmbient = new DiurnalBaseline(1 / 14, 0.5)
  /** The last finalised hour and its summary. */
  finalHour = Number.NaN
  readonly latest = new Float32Array(H_SLOTS).fill(Number.NaN)
  /** Peer-adjusted excesses of the last finalised hours (newest last), for the fast detectors. */
  readonly recentLossExcess = new Float32Array(6).fill(Number.NaN)
  readonly recentTempExcess = new Float32Array(6).fill(Number.NaN)
  /** The camera's usual loaded voltage floor (75th percentile of its daily floors), V. */
  voltageFloor = Number.NaN
  /** Per-mode start of the trend window (UTC day index) after a recovery; NaN = no mark. */
  readonly marks = new Float64Array(7).fill(Number.NaN)
  private groups: { place: PeerGroup; site: PeerGroup; boot: PeerGroup[] } | undefined
  private info: CameraInfo | undefined

  constructor(readonly cameraId: string) {}

  /** (Re)binds the camera to its peer groups when its registry entry changes. */
  bind(info: CameraInfo, peers: PeerGroups): void {
    if (this.info === info) return
    const i = this.info
    this.info = info
    if (i && i.siteId === info.siteId && i.model === info.model && i.firmware === info.firmware && i.tags.join() === info.tags.join()) return
    const placement = info.tags.includes('outdoor') ? 'outdoor' : info.tags.includes('indoor') ? 'indoor' : '-'
    const site = peers.get(`site|${info.siteId}`)
    const boot = [site]
    if (info.model !== null) boot.push(peers.get(`cohort|${info.model}|${info.firmware ?? ''}`))
    for (const t of info.tags) if (t.startsWith('switch:') || t.startsWith('uplink:')) boot.push(peers.get(`tag|${info.siteId}|${t}`))
    this.groups = { place: peers.get(`place|${info.siteId}|${placement}`), site, boot }
  }

  get siteId(): string | undefined {
    return this.info?.siteId
  }

  /** Takes one report; answers whether hours were finalised (and the detectors should run). */
  ingest(ts: number, m: Readonly<Record<string, number>>): boolean {
    if (ts < this.lastTs) return false
    const hour = Math.floor(ts / HOUR_MS)
    let finalised = false
    if (hour !== this.hour) {
      if (Number.isFinite(this.hour) && this.acc.samples > 0) this.closeHour()
      this.hour = hour
      while (this.pending.length > 0 && (this.pending[0] as Pending).hour <= hour - LAG_HOURS) {
        this.finalize(this.pending.shift() as Pending)
        finalised = true
      }
    }
    this.lastTs = ts
    const boot = this.boots.observe(ts, m.uptime_s, m.reboots)
    if (boot && this.groups) for (const g of this.groups.boot) g.addBoot(Math.floor(boot.at / HOUR_MS))
    this.acc.add(m, this.writeErrorsDelta(m.disk_write_errors))
    return finalised
  }

  /** A counter that went down was reset: the interval counts nothing rather than a burst. */
  private writeErrorsDelta(counter: number | undefined): number {
    if (counter === undefined) return 0
    const prev = this.lastWriteErrors
    this.lastWriteErrors = counter
    return Number.isFinite(prev) && counter >= prev ? counter - prev : 0
  }

  private closeHour(): void {
    const s = this.spare.pop() ?? new Float32Array(H_SLOTS)
    this.acc.summarize(s)
    this.acc.reset()
    const hod = ((this.hour % 24) + 24) % 24
    const p: Pending = {
      hour: this.hour,
      s,
      tempResidual: (s[H_T] as number) - this.temperature.expected(hod),
      qualityResidual: (s[H_Q] as number) - this.quality.expected(hod),
    }
    if (this.groups) {
      this.groups.place.addHour(p.hour, { temp: p.tempResidual, quality: p.qualityResidual })
      this.groups.site.addHour(p.hour, { loss: s[H_LOSS] as number, temp: p.tempResidual, quality: p.qualityResidual })
      for (const g of this.groups.boot) if (g !== this.groups.site) g.addHour(p.hour, {})
    }
    this.pending.push(p)
  }

  private finalize(p: Pending): void {
    const s = p.s
    const hod = ((p.hour % 24) + 24) % 24
    const g = this.groups
    // Peers in the same placement first, even a single one (a heatwave warms outdoor cameras far
    // more than indoor ones); the whole site, with at least three, when there is none.
    const peerMedian = (sig: 'temp' | 'quality', own: number) => {
      if (!g) return Number.NaN
      const m = g.place.medianOthers(p.hour, sig, own, 1)
      return Number.isFinite(m) ? m : g.site.medianOthers(p.hour, sig, own)
    }
    const medT = peerMedian('temp', p.tempResidual)
    const medQ = peerMedian('quality', p.qualityResidual)
    const medL = g ? g.site.medianOthers(p.hour, 'loss', s[H_LOSS] as number) : Number.NaN
    // Without enough peers a camera is judged against itself alone: over ambient when it reports
    // its surroundings (which a heatwave does not move), else its housing temperature.
    const overAmbient = (s[H_DT] as number) - this.overAmbient.expected(hod)
    const tempExcess = Number.isFinite(medT) ? p.tempResidual - medT : Number.isFinite(overAmbient) ? overAmbient : p.tempResidual
    const qualityExcess = p.qualityResidual - (Number.isFinite(medQ) ? medQ : 0)
    const lossExcess = (s[H_LOSS] as number) - (Number.isFinite(medL) ? medL : this.typicalLoss())
    this.temperature.update(hod, s[H_T] as number)
    this.quality.update(hod, s[H_Q] as number)
    this.overAmbient.update(hod, s[H_DT] as number)
    shift(this.recentLossExcess, lossExcess)
    shift(this.recentTempExcess, tempExcess)

    const vMin = s[H_V_MIN] as number
    // A dip is a sag within the hour (seen when a camera reports more often than hourly) or bad supply quality.
    const dip = vMin < (s[H_V] as number) - DIP_V || (s[H_PQ_MIN] as number) < 90
    const day = Math.floor(p.hour / 24)
    this.days.addHour(day, {
      hourOfDay: hod,
      tempExcess,
      fanBad: s[H_FAN_BAD] as number,
      throttle: s[H_THROTTLE] as number,
      health: s[H_HEALTH] as number,
      writeErrors: s[H_WERR] as number,
      recOff: s[H_REC_OFF] as number,
      usedMax: s[H_USED_MAX] as number,
      voltage: s[H_V] as number,
      dip,
      loss: s[H_LOSS] as number,
      quality: s[H_Q] as number,
      qualityExcess,
      focus: s[H_FOCUS] as number,
    })
    if (this.days.openHours === 1) this.voltageFloor = this.usualFloor()
    this.quarters.add(p.hour, s[H_USED_MAX] as number, lossExcess, s[H_MEM] as number)
    const hot = tempExcess > HOT_BOOT_EXCESS_C || (s[H_T_MAX] as number) >= HOT_BOOT_C
    this.classifyBoots(p.hour, vMin, hot)
    this.finalHour = p.hour
    this.latest.set(s)
    this.spare.push(s)
  }

  /** Boots up to the end of `hour`: collective when a peer group booted with them, explained in a brownout or a hot hour. */
  private classifyBoots(hour: number, vMin: number, hot: boolean): void {
    const lowVoltage = Number.isFinite(this.voltageFloor) && vMin < this.voltageFloor - LOW_BOOT_V
    for (const i of this.boots.pending((hour + 1) * HOUR_MS)) {
      const b = this.boots.entry(i)
      const bootHour = Math.floor(b.at / HOUR_MS)
      let collective = false
      for (const group of this.groups?.boot ?? []) {
        const { others, reporting } = group.bootsAround(bootHour, 1)
        if (others >= Math.max(2, Math.ceil(COLLECTIVE_SHARE * Math.max(0, reporting - 1)))) collective = true
      }
      this.boots.classify(i, collective ? BOOT_COLLECTIVE : lowVoltage || hot ? BOOT_EXPLAINED : BOOT_SOLO)
      if (lowVoltage) this.days.addBrownout(b.weight)
    }
  }

  /** 75th percentile of the daily loaded-voltage floors: failing supplies only pull it down. */
  private usualFloor(): number {
    const xs: number[] = []
    for (let ago = 0; ago < DAYS; ago++) xs.push(this.days.closedValue(ago, D_V_LOW))
    return xs.filter(Number.isFinite).length >= 3 ? quantile(xs, 0.75) : Number.NaN
  }

  /** The camera's own usual loss (median of its daily means) when it has no site peers. */
  private typicalLoss(): number {
    const xs: number[] = []
    for (let ago = 0; ago < DAYS; ago++) xs.push(this.days.closedValue(ago, D_LOSS))
    const q = quantile(xs, 0.5)
    return Number.isFinite(q) ? q : -1.7
  }

  /**
   * Everything the camera has learnt, for a restart. Peer groups are saved apart (they are
   * shared); the registry binding is made again on the next report.
   */
  save(w: StateWriter): void {
    this.acc.save(w)
    w.num(this.hour).num(this.lastTs).num(this.lastWriteErrors).num(this.finalHour).num(this.voltageFloor)
    w.num(this.pending.length)
    for (const p of this.pending) w.num(p.hour).arr(p.s).num(p.tempResidual).num(p.qualityResidual)
    this.boots.save(w)
    this.days.save(w)
    this.quarters.save(w)
    this.temperature.save(w)
    this.quality.save(w)
    this.overAmbient.save(w)
    w.arr(this.latest).arr(this.recentLossExcess).arr(this.recentTempExcess).arr(this.marks)
  }

  /** Restores what `save` wrote into this (fresh) track. */
  load(r: StateReader): void {
    this.acc.load(r)
    this.hour = r.num()
    this.lastTs = r.num()
    this.lastWriteErrors = r.num()
    this.finalHour = r.num()
    this.voltageFloor = r.num()
    const pending = r.num()
    if (!Number.isInteger(pending) || pending < 0 || pending > 24) throw new StateFormatError(`${pending} pending hours`)
    this.pending.length = 0
    for (let k = 0; k < pending; k++) {
      const hour = r.num()
      const s = this.spare.pop() ?? new Float32Array(H_SLOTS)
      r.arr(s)
      this.pending.push({ hour, s, tempResidual: r.num(), qualityResidual: r.num() })
    }
    this.boots.load(r)
    this.days.load(r)
    this.quarters.load(r)
    this.temperature.load(r)
    this.quality.load(r)
    this.overAmbient.load(r)
    r.arr(this.latest)
    r.arr(this.recentLossExcess)
    r.arr(this.recentTempExcess)
    r.arr(this.marks)
  }

  /** Typed-array bytes one camera holds: the bound that makes 100,000 cameras fit. */
  static readonly BYTES =
    A_SLOTS * 8 + 3 * H_SLOTS * 4 + DiurnalBaseline.BYTES * 3 + QuarterRing.BYTES + BootLog.BYTES + DayBook.BYTES + H_SLOTS * 4 + 12 * 4 + 7 * 8 + 64
}

function shift(ring: Float32Array, v: number): void {
  ring.copyWithin(0, 1)
  ring[ring.length - 1] = v
}
