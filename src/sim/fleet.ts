import {
  H264_KBPS,
  POE_CLASS_MAX_W,
  PRODUCTS,
  SITES,
  ZONES,
  type PoeClass,
  type ProductSpec,
  type Resolution,
  type SiteClimate,
  type SiteKind,
  type SiteSpec,
  type Zone,
} from './catalog.js'
import { Rng, hash, hashString, round } from './random.js'

const DAY = 86_400_000

/** A site as registered (DESIGN §3) plus what the simulator needs to model its surroundings. */
export interface SimSite {
  readonly id: string
  readonly name: string
  readonly lat: number
  readonly lon: number
  readonly timezone: string
  readonly uplinkMbps: number
  readonly kind: SiteKind
  readonly climate: SiteClimate
  readonly wanLatencyMs: number
  readonly seed: number
}

/**
 * A camera as registered (DESIGN §3) plus the parameters of its simulated behaviour.
 * Everything is fixed at fleet creation; what varies over time lives in CameraModel.
 */
export interface SimCamera {
  readonly id: string
  readonly name: string
  readonly siteId: string
  readonly lat: number
  readonly lon: number
  readonly model: string
  readonly firmware: string
  readonly tags: readonly string[]
  readonly outdoor: boolean
  readonly zone: string
  readonly switchId: string
  readonly seed: number
  readonly ptz: boolean
  /** Switches an IR illuminator on at night (outdoor IR models). */
  readonly ir: boolean
  readonly hasFan: boolean
  readonly fanFault: boolean
  readonly heaterW: number
  readonly resolution: Resolution
  readonly codec: 'h264' | 'h265'
  readonly fpsTarget: 15 | 25 | 30
  /** Main stream by day at the target frame rate. */
  readonly bitrateKbps: number
  readonly substreamMbps: number
  /** Share of the day recorded to the edge card (1 = continuous, less = on motion). */
  readonly recordDuty: number
  readonly diskCapacityGb: number
  /** Where loop recording holds the card. */
  readonly diskPlateauPct: number
  /** > 0 for the few cameras whose loop recording is misconfigured and keeps filling. */
  readonly diskFillPctPerDay: number
  /** Retention configured on cameras that delete by age rather than by space. */
  readonly maxRetentionDays: number
  readonly diskWearPctPerDay: number
  readonly installedAt: number
  readonly maintenancePeriodDays: number
  /** A scheduled maintenance reboot happens at this instant and every period after. */
  readonly maintenancePhase: number
  readonly poeClass: PoeClass
  readonly powerMaxW: number
  readonly basePowerW: number
  readonly irPowerW: number
  readonly nominalVoltageV: number
  /** Voltage lost on the cable per watt drawn (long runs lose more). */
  readonly cableDropVPerW: number
  readonly selfHeatingC: number
  readonly sunLoadC: number
  readonly clockBiasS: number
  /** Non-zero for the few cameras whose NTP is broken: skew grows from each boot. */
  readonly clockDriftSPerDay: number
  readonly imageQualityBase: number
  readonly nightQualityPenalty: number
  readonly focusBase: number
  readonly lossBasePct: number
  readonly lanLatencyMs: number
  readonly jitterBaseMs: number
  readonly cloudGbPerDay: number
  readonly cloudSince: number
}

export interface Fleet {
  readonly seed: number
  readonly sites: SimSite[]
  readonly cameras: SimCamera[]
}

export interface FleetOptions {
  cameras?: number
  seed?: number
  /** Only these sites of the catalogue (ids), for fleets with another site mix; default all. */
  sites?: readonly string[]
}

/** GB per day recorded per kbit/s of video. */
export const GB_PER_DAY_PER_KBPS = (1000 * 86_400) / 8 / 1e9

const INSTALL_FROM = Date.UTC(2021, 2, 1)
const INSTALL_TO = Date.UTC(2025, 5, 30)

/** A deterministic demo fleet: the same seed and size always give the same fleet. */
export function createFleet({ cameras = 200, seed = 1, sites: only }: FleetOptions = {}): Fleet {
  if (!Number.isInteger(cameras) || cameras < 0) throw new RangeError('cameras must be a non-negative integer')
  const unknown = only?.filter((id) => !SITES.some((s) => s.id === id)) ?? []
  if (unknown.length > 0) throw new RangeError(`unknown sites: ${unknown.join(', ')}`)
  const specs = only === undefined ? SITES : SITES.filter((s) => only.includes(s.id))
  if (specs.length === 0) throw new RangeError('a fleet needs at least one site')
  const rng = new Rng(hash(seed, 0x5eed))
  const sites = specs.map((s) => toSimSite(s, seed))
  const counts = apportion(
    cameras,
    specs.map((s) => s.weight * rng.range(0.8, 1.2)),
  )
  const all: SimCamera[] = []
  specs.forEach((spec, i) => all.push(...siteCameras(spec, counts[i] ?? 0, seed, rng)))
  return { seed, sites, cameras: all }
}

function toSimSite(s: SiteSpec, seed: number): SimSite {
  const { id, name, lat, lon, timezone, uplinkMbps, kind, climate, wanLatencyMs } = s
  return { id, name, lat, lon, timezone, uplinkMbps, kind, climate, wanLatencyMs, seed: hash(seed, hashString(id)) }
}

/** Largest-remainder split of n by weights, with at least one each while n allows. */
function apportion(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0)
  const floor = Math.min(1, Math.floor(n / weights.length))
  const rest = n - floor * weights.length
  const exact = weights.map((w) => (rest * w) / total)
  const counts = exact.map((x) => floor + Math.floor(x))
  let left = n - counts.reduce((a, b) => a + b, 0)
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i)
  for (const { i } of byRemainder) {
    if (left-- <= 0) break
    counts[i] = (counts[i] ?? 0) + 1
  }
  return counts
}

function siteCameras(site: SiteSpec, n: number, seed: number, rng: Rng): SimCamera[] {
  const zones = ZONES[site.kind]
  const perZone = new Map<Zone, number>()
  for (let i = 0; i < n; i++) {
    const zone = rng.weighted(zones, (zn) => zn.weight)
    perZone.set(zone, (perZone.get(zone) ?? 0) + 1)
  }
  const perSwitch = rng.int(6, 14)
  const out: SimCamera[] = []
  for (const zone of zones) {
    const count = perZone.get(zone) ?? 0
    for (let k = 1; k <= count; k++) {
      const switchNo = Math.floor(out.length / perSwitch) + 1
      out.push(makeCamera(site, zone, k, count, `${site.id}-sw-${pad(switchNo, 2)}`, seed, rng))
    }
  }
  return out
}

function makeCamera(site: SiteSpec, zone: Zone, k: number, count: number, switchId: string, seed: number, rng: Rng): SimCamera {
  const id = `${site.id}-${zone.slug}-${pad(k, count >= 100 ? 3 : 2)}`
  const product = pickProduct(site, zone, rng)
  const outdoor = zone.outdoor
  const ptz = product.form === 'ptz'
  const ir = product.ir && outdoor
  const codec = product.h265 && rng.chance(product.vendor === 'Bosch' ? 0.3 : 0.65) ? 'h265' : 'h264'
  const fpsTarget = pickFps(site, zone, rng)
  const bitrateKbps = Math.round(
    H264_KBPS[product.resolution] * (codec === 'h265' ? 0.5 : 1) * (fpsTarget / 25) ** 0.6 * rng.range(0.85, 1.15),
  )
  const recordDuty = rng.chance(0.6) ? 1 : round(rng.range(0.15, 0.45), 2)
  const big = product.resolution === '4K' || product.resolution === '5MP' || ptz
  const diskCapacityGb = big ? rng.pick([256, 512]) : rng.pick([64, 128, 128, 256])
  const gbPerDay = bitrateKbps * recordDuty * GB_PER_DAY_PER_KBPS
  // Card endurance in P/E cycles: high-endurance, ordinary TLC, and the odd cheap card.
  const pe = rng.weighted([10_000, 3_000, 500], (c) => (c === 500 ? 0.1 : 0.45))
  const installedAt = INSTALL_FROM + Math.floor(rng.float() * ((INSTALL_TO - INSTALL_FROM) / DAY)) * DAY
  const maintenancePeriodDays = rng.int(30, 60)
  const localNight = (2 + 2 * rng.float() - site.lon / 15) * 3_600_000
  const scatter = outdoor ? 300 : 150
  const [lat, lon] = offset(site.lat, site.lon, scatter * Math.sqrt(rng.float()), rng.range(0, 2 * Math.PI))
  const firmware = rng.chance(0.7) ? product.firmware[product.firmware.length - 1] : rng.pick(product.firmware)
  const tags = [outdoor ? 'outdoor' : 'indoor', `switch:${switchId}`, ...(ptz ? ['ptz'] : []), ...(ir ? ['ir'] : [])]
  const drift = rng.chance(0.03) ? rng.range(0.5, 4) * (rng.chance(0.5) ? 1 : -1) : 0
  return {
    id,
    name: `${zone.name} ${k}`,
    siteId: site.id,
    lat,
    lon,
    model: product.model,
    firmware: firmware ?? 'unknown',
    tags,
    outdoor,
    zone: zone.slug,
    switchId,
    seed: hash(seed, hashString(id)),
    ptz,
    ir,
    hasFan: product.fan,
    fanFault: product.fan && rng.chance(0.15),
    heaterW: outdoor ? product.heaterW : 0,
    resolution: product.resolution,
    codec,
    fpsTarget,
    bitrateKbps,
    substreamMbps: round(rng.range(0.3, 0.8), 2),
    recordDuty,
    diskCapacityGb,
    diskPlateauPct: round(rng.range(89, 95), 1),
    diskFillPctPerDay: rng.chance(0.05) ? round(rng.range(0.5, 2), 2) : 0,
    maxRetentionDays: Math.max(1, Math.round((diskCapacityGb * 0.6) / gbPerDay)),
    diskWearPctPerDay: ((gbPerDay / (diskCapacityGb * pe)) * rng.range(2, 4) * 100),
    installedAt,
    maintenancePeriodDays,
    maintenancePhase: Math.round(installedAt + rng.int(0, maintenancePeriodDays - 1) * DAY + localNight),
    poeClass: product.poeClass,
    powerMaxW: POE_CLASS_MAX_W[product.poeClass],
    basePowerW: round(product.baseW * rng.range(0.92, 1.08), 2),
    irPowerW: ir ? round(product.irW * rng.range(0.85, 1.15), 2) : 0,
    nominalVoltageV: round(rng.range(50.5, 53.8), 2),
    cableDropVPerW: round(rng.range(0.03, 0.12), 3),
    selfHeatingC: round(rng.range(10, 18) + (ptz ? 2 : 0), 1),
    sunLoadC: outdoor ? round(rng.range(2, 6), 1) : 0,
    clockBiasS: round(rng.range(-0.25, 0.25), 3),
    clockDriftSPerDay: round(drift, 2),
    imageQualityBase: round(rng.range(84, 95), 1),
    nightQualityPenalty: round(ir ? rng.range(6, 14) : rng.range(1, 4), 1),
    focusBase: round(rng.chance(0.04) ? rng.range(52, 68) : rng.range(84, 97), 1),
    lossBasePct: round(rng.range(0.01, 0.06), 3),
    lanLatencyMs: round(rng.range(0.4, 2.5), 2),
    jitterBaseMs: round(rng.range(0.3, 1.2), 2),
    cloudGbPerDay: round(rng.range(0.05, 2.5), 2),
    cloudSince: installedAt + rng.int(0, 200) * DAY,
  }
}

function pickProduct(site: SiteSpec, zone: Zone, rng: Rng): ProductSpec {
  const wantPtz = zone.ptz === true && rng.chance(0.3)
  const fits = PRODUCTS.filter(
    (p) => (p.form === 'ptz') === wantPtz && (p.placement === 'both' || (p.placement === 'outdoor') === zone.outdoor),
  )
  return rng.weighted(fits, (p) => (site.vendors.includes(p.vendor) ? 4 : 1))
}

function pickFps(site: SiteSpec, zone: Zone, rng: Rng): 15 | 25 | 30 {
  // PAL countries record at 25 fps by habit; wide outdoor areas often at 15 to save storage.
  const slow = zone.outdoor && !zone.ptz ? 0.35 : 0.15
  if (rng.chance(slow)) return 15
  if (site.timezone.startsWith('Europe/')) return rng.chance(0.92) ? 25 : 30
  return 30
}

/** Moves a point by `meters` in direction `bearing` (radians), flat-earth (fine at 300 m). */
function offset(lat: number, lon: number, meters: number, bearing: number): [number, number] {
  const dLat = (meters * Math.cos(bearing)) / 111_320
  const dLon = (meters * Math.sin(bearing)) / (111_320 * Math.cos((lat * Math.PI) / 180))
  return [round(lat + dLat, 6), round(lon + dLon, 6)]
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}
