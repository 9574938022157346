import { DAY, HOUR, MINUTE, SECOND, activeAt, dayOf, scheduleDay, type Episode } from './episodes.js'
import type { SimSite } from './fleet.js'
import { clamp, hashString, smoothNoise, unit } from './random.js'

const YEAR = 365.2425 * DAY
const DEG = Math.PI / 180
// Keys of the site's hash streams.
const K_WEATHER = 1
const K_WEATHER_FAST = 2
const K_HEAT = 3
const K_HUMIDITY = 4
const K_CONGESTION = 5
const K_POE = 6

/** Uplink congestion: every camera of the site loses packets together for a while. */
const CONGESTION = { perDay: 1 / 10, minMs: 5 * MINUTE, maxMs: 20 * MINUTE }
/** A PoE switch restarting (power blip, firmware): all its cameras reboot at once. */
const POE_CYCLE = { perDay: 1 / 60, minMs: 90 * SECOND, maxMs: 180 * SECOND }

/** How much of the outdoor temperature leaks indoors, and when a site is busy (local hours). */
const KIND: Record<SimSite['kind'], { coupling: number; open: number; close: number; quiet: number; weekends: boolean }> = {
  office: { coupling: 0.06, open: 7.5, close: 19, quiet: 0.35, weekends: false },
  airport: { coupling: 0.12, open: 4.5, close: 23.5, quiet: 0.5, weekends: true },
  metro: { coupling: 0.45, open: 5, close: 24, quiet: 0.4, weekends: true },
  depot: { coupling: 0.4, open: 0, close: 24, quiet: 0.8, weekends: true },
  mall: { coupling: 0.08, open: 9.5, close: 22, quiet: 0.4, weekends: true },
  hospital: { coupling: 0.04, open: 7, close: 21, quiet: 0.65, weekends: true },
}

/** A multi-day heatwave over a site (a confounder: every camera of the site warms at once). */
export interface Heatwave {
  readonly from: number
  readonly to: number
  /** Extra outdoor heat at its afternoon peak, °C. */
  readonly peakC: number
}

/** What every camera of a site sees at one instant. */
export interface SiteConditions {
  readonly outdoorC: number
  readonly outdoorRh: number
  readonly indoorC: number
  readonly indoorRh: number
  readonly sunElevationDeg: number
  readonly activity: number
  readonly congestion: Episode | undefined
}

/**
 * The surroundings of one site as functions of data time: local clock (IANA zone, DST
 * included), sun, weather, occupancy and site-wide incidents. Shared by the site's cameras.
 */
export class SiteEnvironment {
  private readonly dtf: Intl.DateTimeFormat
  private cachedHour = Number.NaN
  private cachedOffset = 0
  private lastTs = Number.NaN
  private last: SiteConditions | undefined
  private readonly heatwaves: Heatwave[] = []

  constructor(readonly site: SimSite) {
    // Throws RangeError on an unknown zone, which is what a caller needs to hear.
    this.dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: site.timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  }

  /** Adds a heatwave; call before sampling, as the last instant's conditions are cached. */
  addHeatwave(h: Heatwave): void {
    if (!(h.to > h.from) || !Number.isFinite(h.peakC)) throw new RangeError('a heatwave needs from < to and a finite peakC')
    this.heatwaves.push(h)
    this.lastTs = Number.NaN
  }

  /** The site's conditions at `ts`; the last instant is remembered, as a fleet samples all cameras at once. */
  at(ts: number): SiteConditions {
    if (ts !== this.lastTs || this.last === undefined) {
      this.last = this.compute(ts)
      this.lastTs = ts
    }
    return this.last
  }

  private compute(ts: number): SiteConditions {
    const c = this.site.climate
    const hour = this.localHour(ts)
    const day = this.localDay(ts)
    const summer = this.summer(ts)
    const seed = this.site.seed
    // Weather's departure from the seasonal normal: mostly day to day, a little within hours.
    const weather = 3 * smoothNoise(seed, K_WEATHER, ts, DAY) + 0.7 * smoothNoise(seed, K_WEATHER_FAST, ts, 3 * HOUR)
    const heat = this.heat(day, hour, summer) + this.heatwave(ts, hour)
    const seasonal = c.meanC - c.seasonAmpC * (1 - 2 * summer)
    // Peaks mid-afternoon local time, lowest before dawn.
    const diurnal = c.diurnalAmpC * Math.cos((2 * Math.PI * (hour - 15)) / 24)
    const outdoorC = seasonal + diurnal + weather + heat
    // Humidity is highest at dawn, lowest in the afternoon, lower on warm spells.
    const outdoorRh = clamp(
      c.humidityPct +
        c.humidityAmpPct * Math.cos((2 * Math.PI * (hour - 5)) / 24) -
        1.8 * (weather + heat) +
        6 * smoothNoise(seed, K_HUMIDITY, ts, DAY),
      10,
      100,
    )
    const kind = KIND[this.site.kind]
    const weekday = (day + 4) % 7 // 1970-01-01 was a Thursday; 0 = Sunday
    const open = clamp(Math.min(hour - kind.open + 0.5, kind.close - hour + 0.5), 0, 1)
    const activity = !kind.weekends && (weekday === 0 || weekday === 6) ? kind.quiet : kind.quiet + (1 - kind.quiet) * open
    const setpoint = 21.5
    return {
      outdoorC,
      outdoorRh,
      indoorC: setpoint + kind.coupling * (outdoorC - setpoint) + activity - 0.5,
      indoorRh: clamp(45 + 0.2 * (outdoorRh - 75), 25, 65),
      sunElevationDeg: this.sunElevationDeg(ts),
      activity,
      congestion: this.congestion(ts),
    }
  }

  /** Local time minus UTC, ms. Zone offsets only change on the hour, so one lookup per hour. */
  utcOffsetMs(ts: number): number {
    const hour = Math.floor(ts / HOUR)
    if (hour !== this.cachedHour) {
      const at = hour * HOUR
      const parts: Record<string, number> = {}
      for (const p of this.dtf.formatToParts(at)) parts[p.type] = Number(p.value)
      const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
      this.cachedOffset = local - at
      this.cachedHour = hour
    }
    return this.cachedOffset
  }

  /** Local clock hour as a fraction, [0, 24). */
  localHour(ts: number): number {
    const local = ts + this.utcOffsetMs(ts)
    return (((local % DAY) + DAY) % DAY) / HOUR
  }

  localDay(ts: number): number {
    return dayOf(ts + this.utcOffsetMs(ts))
  }

  /** 0 in the coldest part of the year, 1 in the warmest (hemisphere aware). */
  summer(ts: number): number {
    const phase = Math.cos((2 * Math.PI * (ts % YEAR)) / YEAR - (2 * Math.PI * 20) / 365.25)
    return (1 - (this.site.lat >= 0 ? 1 : -1) * phase) / 2
  }

  /** Solar elevation in degrees (declination model; good to a degree or two). */
  sunElevationDeg(ts: number): number {
    const doy = ((ts % YEAR) + YEAR) % YEAR / DAY
    const decl = -23.44 * DEG * Math.cos(((2 * Math.PI) / 365.25) * (doy + 10))
    const solarHour = ((ts % DAY) / HOUR + this.site.lon / 15 + 24) % 24
    const hourAngle = (solarHour - 12) * 15 * DEG
    const lat = this.site.lat * DEG
    const s = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle)
    return Math.asin(clamp(s, -1, 1)) / DEG
  }

  /** Extra heat of a hot afternoon (a heatwave day), °C; 0 on ordinary days. */
  private heat(localDay: number, hour: number, summer: number): number {
    const p = 0.03 + 0.17 * summer ** 2
    if (hour < 12 || hour > 19 || unit(this.site.seed, K_HEAT, localDay) >= p) return 0
    return (4 + 5 * unit(this.site.seed, K_HEAT, localDay, 1)) * Math.cos((Math.PI * (hour - 15.5)) / 7)
  }

  /** Heatwave heat at `ts`: ramps in and out over half a day, warmest mid-afternoon, warm nights. */
  private heatwave(ts: number, hour: number): number {
    let extra = 0
    for (const h of this.heatwaves) {
      if (ts < h.from || ts >= h.to) continue
      const ramp = Math.min(1, (ts - h.from) / (12 * HOUR), (h.to - ts) / (12 * HOUR))
      extra += h.peakC * ramp * (0.65 + 0.35 * Math.cos((2 * Math.PI * (hour - 15)) / 24))
    }
    return extra
  }

  outdoorTempC(ts: number): number {
    return this.at(ts).outdoorC
  }

  outdoorHumidityPct(ts: number): number {
    return this.at(ts).outdoorRh
  }

  /** How busy the site is, 0..1: scenes with people compress worse and warm rooms. */
  activity(ts: number): number {
    return this.at(ts).activity
  }

  /** The site-wide uplink congestion episode covering `ts`, if any. */
  congestion(ts: number): Episode | undefined {
    const d = dayOf(ts)
    const seed = this.site.seed
    return activeAt(ts, scheduleDay(seed, K_CONGESTION, d, CONGESTION), scheduleDay(seed, K_CONGESTION, d - 1, CONGESTION))
  }

  /** Power cycles of one PoE switch starting on UTC day `day`. */
  poeCycles(switchId: string, day: number): Episode[] {
    return scheduleDay(this.site.seed ^ hashString(switchId), K_POE, day, POE_CYCLE)
  }
}
