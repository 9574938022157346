/**
 * The demo operator's sites and the camera products it runs. Figures are plausible public
 * values (climate normals, PoE classes, datasheet-like power draws), not measurements.
 */

export type SiteKind = 'office' | 'airport' | 'metro' | 'depot' | 'mall' | 'hospital'

export interface SiteClimate {
  /** Annual mean outdoor temperature, °C. */
  readonly meanC: number
  /** Half the difference between the warmest and coldest month, °C. */
  readonly seasonAmpC: number
  /** Half the typical day–night swing, °C. */
  readonly diurnalAmpC: number
  readonly humidityPct: number
  readonly humidityAmpPct: number
}

export type Vendor = 'Axis' | 'Hanwha' | 'Bosch' | 'Hikvision'

export interface SiteSpec {
  readonly id: string
  readonly name: string
  readonly lat: number
  readonly lon: number
  readonly timezone: string
  readonly uplinkMbps: number
  readonly kind: SiteKind
  readonly climate: SiteClimate
  /** Round trip from the site to the camtel server. */
  readonly wanLatencyMs: number
  /** Share of the fleet's cameras at this site. */
  readonly weight: number
  /** Sites tend to standardise on a vendor or two. */
  readonly vendors: readonly Vendor[]
}

const AMS: SiteClimate = { meanC: 10.6, seasonAmpC: 7, diurnalAmpC: 3.5, humidityPct: 80, humidityAmpPct: 11 }
const LON: SiteClimate = { meanC: 11.8, seasonAmpC: 7, diurnalAmpC: 4, humidityPct: 75, humidityAmpPct: 13 }
const MAD: SiteClimate = { meanC: 15, seasonAmpC: 10, diurnalAmpC: 6.5, humidityPct: 57, humidityAmpPct: 18 }
const SIN: SiteClimate = { meanC: 27.8, seasonAmpC: 0.8, diurnalAmpC: 3.5, humidityPct: 82, humidityAmpPct: 10 }

export const SITES: readonly SiteSpec[] = [
  { id: 'ams-hq', name: 'Amsterdam HQ, Zuidas', lat: 52.33756, lon: 4.87218, timezone: 'Europe/Amsterdam',
    uplinkMbps: 1000, kind: 'office', climate: AMS, wanLatencyMs: 2, weight: 0.06, vendors: ['Axis'] },
  { id: 'ams-airport', name: 'Schiphol Airport terminals', lat: 52.30999, lon: 4.76427, timezone: 'Europe/Amsterdam',
    uplinkMbps: 2000, kind: 'airport', climate: AMS, wanLatencyMs: 4, weight: 0.3, vendors: ['Axis', 'Hanwha'] },
  { id: 'lon-kings-cross', name: "King's Cross metro station", lat: 51.53079, lon: -0.12385, timezone: 'Europe/London',
    uplinkMbps: 1000, kind: 'metro', climate: LON, wanLatencyMs: 9, weight: 0.17, vendors: ['Hanwha', 'Bosch'] },
  { id: 'lon-park-royal', name: 'Park Royal logistics depot', lat: 51.52642, lon: -0.27163, timezone: 'Europe/London',
    uplinkMbps: 300, kind: 'depot', climate: LON, wanLatencyMs: 11, weight: 0.1, vendors: ['Hanwha'] },
  { id: 'mad-castellana', name: 'Castellana Norte shopping mall', lat: 40.46581, lon: -3.68933, timezone: 'Europe/Madrid',
    uplinkMbps: 500, kind: 'mall', climate: MAD, wanLatencyMs: 24, weight: 0.14, vendors: ['Hikvision', 'Bosch'] },
  { id: 'mad-la-paz', name: 'La Paz university hospital', lat: 40.48112, lon: -3.68712, timezone: 'Europe/Madrid',
    uplinkMbps: 1000, kind: 'hospital', climate: MAD, wanLatencyMs: 25, weight: 0.13, vendors: ['Bosch', 'Axis'] },
  { id: 'sin-tuas', name: 'Tuas logistics hub', lat: 1.32003, lon: 103.64862, timezone: 'Asia/Singapore',
    uplinkMbps: 500, kind: 'depot', climate: SIN, wanLatencyMs: 38, weight: 0.1, vendors: ['Hikvision', 'Hanwha'] },
]

export interface Zone {
  readonly slug: string
  readonly name: string
  readonly outdoor: boolean
  readonly weight: number
  /** Large open areas where a PTZ earns its price. */
  readonly ptz?: boolean
}

const z = (slug: string, name: string, outdoor: boolean, weight: number, ptz = false): Zone => ({
  slug,
  name,
  outdoor,
  weight,
  ptz,
})

export const ZONES: Readonly<Record<SiteKind, readonly Zone[]>> = {
  office: [
    z('lobby', 'Lobby entrance', false, 3), z('reception', 'Reception', false, 1), z('garage', 'Parking garage', false, 3),
    z('floor', 'Office floor', false, 3), z('server', 'Server room', false, 1), z('dock', 'Delivery entrance', true, 1),
    z('perimeter', 'Perimeter', true, 2), z('roof', 'Roof', true, 1),
  ],
  airport: [
    z('terminal', 'Terminal hall', false, 4), z('checkin', 'Check-in row', false, 4), z('security', 'Security lane', false, 5),
    z('gate', 'Gate', false, 6), z('baggage', 'Baggage claim', false, 3), z('apron', 'Apron', true, 3, true),
    z('curb', 'Departures curb', true, 2), z('parking', 'Car park', true, 3, true), z('fence', 'Perimeter fence', true, 3, true),
  ],
  metro: [
    z('platform', 'Platform', false, 6), z('concourse', 'Concourse', false, 4), z('gateline', 'Ticket gateline', false, 4),
    z('escalator', 'Escalator', false, 3), z('entrance', 'Street entrance', true, 2), z('portal', 'Tunnel portal', true, 1),
  ],
  depot: [
    z('gate', 'Truck gate', true, 2), z('yard', 'Yard', true, 3, true), z('dock', 'Loading dock', true, 4),
    z('warehouse', 'Warehouse aisle', false, 5), z('office', 'Depot office', false, 1), z('fence', 'Perimeter fence', true, 2, true),
  ],
  mall: [
    z('entrance', 'Mall entrance', false, 3), z('atrium', 'Atrium', false, 2), z('corridor', 'Shop corridor', false, 5),
    z('foodcourt', 'Food court', false, 2), z('cash', 'Cash office', false, 1), z('parking', 'Car park', true, 3, true),
    z('service', 'Service yard', true, 1),
  ],
  hospital: [
    z('lobby', 'Main lobby', false, 3), z('emergency', 'Emergency entrance', true, 2), z('ward', 'Ward corridor', false, 5),
    z('pharmacy', 'Pharmacy', false, 1), z('ambulance', 'Ambulance bay', true, 2), z('parking', 'Car park', true, 2, true),
    z('helipad', 'Helipad', true, 1, true),
  ],
}

export type Resolution = '1080p' | '4MP' | '5MP' | '4K'
/** IEEE 802.3 PoE classes (3 = 802.3af, 4 = 802.3at, 6 = 802.3bt type 3). */
export type PoeClass = 2 | 3 | 4 | 6

/** Power available at the powered device per PoE class, W. */
export const POE_CLASS_MAX_W: Readonly<Record<PoeClass, number>> = { 2: 6.49, 3: 12.95, 4: 25.5, 6: 51 }

/** Typical H.264 bitrate per resolution at 25–30 fps, kbit/s; H.265 is about half. */
export const H264_KBPS: Readonly<Record<Resolution, number>> = { '1080p': 3600, '4MP': 5600, '5MP': 6800, '4K': 12000 }

export interface ProductSpec {
  readonly model: string
  readonly vendor: Vendor
  readonly form: 'dome' | 'bullet' | 'box' | 'turret' | 'ptz'
  readonly placement: 'indoor' | 'outdoor' | 'both'
  readonly ir: boolean
  readonly fan: boolean
  /** Housing heater for cold starts, W (0 = none). */
  readonly heaterW: number
  readonly resolution: Resolution
  readonly h265: boolean
  readonly poeClass: PoeClass
  /** Typical draw by day, W. */
  readonly baseW: number
  /** Extra draw with the IR illuminator on, W. */
  readonly irW: number
  /** Oldest first; most of a fleet runs the newest. */
  readonly firmware: readonly string[]
}

export const PRODUCTS: readonly ProductSpec[] = [
  { model: 'Axis P3265-LVE', vendor: 'Axis', form: 'dome', placement: 'both', ir: true, fan: false, heaterW: 3,
    resolution: '1080p', h265: true, poeClass: 3, baseW: 6.1, irW: 2.6, firmware: ['10.12.199', '11.8.64', '11.11.112'] },
  { model: 'Axis Q1656', vendor: 'Axis', form: 'box', placement: 'indoor', ir: false, fan: false, heaterW: 0,
    resolution: '4MP', h265: true, poeClass: 3, baseW: 7.8, irW: 0, firmware: ['10.12.206', '11.11.112'] },
  { model: 'Axis Q1656-LE', vendor: 'Axis', form: 'bullet', placement: 'outdoor', ir: true, fan: false, heaterW: 5,
    resolution: '4MP', h265: true, poeClass: 4, baseW: 10.4, irW: 3.5, firmware: ['10.12.206', '11.11.112'] },
  { model: 'Axis Q6135-LE', vendor: 'Axis', form: 'ptz', placement: 'outdoor', ir: true, fan: true, heaterW: 14,
    resolution: '1080p', h265: true, poeClass: 6, baseW: 21, irW: 4, firmware: ['10.12.199', '11.11.112'] },
  { model: 'Hanwha XNV-8080R', vendor: 'Hanwha', form: 'dome', placement: 'both', ir: true, fan: false, heaterW: 0,
    resolution: '5MP', h265: true, poeClass: 3, baseW: 7.2, irW: 3, firmware: ['2.21.02_20230615_R441', '2.30.00_20240207_R103'] },
  { model: 'Hanwha QNO-6082R', vendor: 'Hanwha', form: 'bullet', placement: 'outdoor', ir: true, fan: false, heaterW: 0,
    resolution: '1080p', h265: true, poeClass: 3, baseW: 5.3, irW: 2.5, firmware: ['1.41.00_20220315_R413', '1.41.01_20230602_R98'] },
  { model: 'Hanwha XNP-6400RW', vendor: 'Hanwha', form: 'ptz', placement: 'outdoor', ir: true, fan: true, heaterW: 10,
    resolution: '1080p', h265: true, poeClass: 4, baseW: 15.5, irW: 3.8, firmware: ['2.10.00_20230110_R33', '2.11.02_20240318_R57'] },
  { model: 'Bosch FLEXIDOME IP 5000i', vendor: 'Bosch', form: 'dome', placement: 'indoor', ir: false, fan: false, heaterW: 0,
    resolution: '1080p', h265: true, poeClass: 2, baseW: 4.6, irW: 0, firmware: ['7.80.0129', '8.48.0017', '8.90.0025'] },
  { model: 'Hikvision DS-2CD2386G2-IU', vendor: 'Hikvision', form: 'turret', placement: 'both', ir: true, fan: false, heaterW: 0,
    resolution: '4K', h265: true, poeClass: 3, baseW: 6.2, irW: 2.3,
    firmware: ['V5.7.3 build 220112', 'V5.7.15 build 230412', 'V5.7.19 build 240105'] },
]
