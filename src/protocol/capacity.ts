import { Type, type Static } from 'typebox'
import { ScopeSchema } from './api.js'

export const PolicyParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) })
export type PolicyParams = Static<typeof PolicyParams>

const Days = Type.Union([Type.Number({ minimum: 0, maximum: 3650 }), Type.Null()])

/** PUT /api/v1/retention-policies/:id (DESIGN §7). A bound left out or null is no bound on that side. */
export const PolicyBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
    scope: ScopeSchema,
    minDays: Type.Optional(Days),
    maxDays: Type.Optional(Days),
  },
  { additionalProperties: false },
)
export type PolicyBody = Static<typeof PolicyBody>

export const CapacityQuery = Type.Object(
  { site: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: false },
)
export type CapacityQuery = Static<typeof CapacityQuery>

// The answer of GET /api/v1/capacity, shared by the server and camtel/client.

/** One camera of GET /api/v1/capacity (DESIGN §7). */
export interface CameraCapacity {
  cameraId: string
  siteId: string
  diskUsedPct: number | null
  daysUntilFull: number | null
  /** Fill rate when filling, points of disk a day. */
  diskPctPerDay: number | null
  retentionDays: number | null
  /** Against the policy that governs the camera; null when none does or retention_days is not reported. */
  retentionOk: boolean | null
  policyId: string | null
  minDays: number | null
  maxDays: number | null
  /** Data time of the camera's latest report. */
  asOf: string | null
}

/** One site of GET /api/v1/capacity. */
export interface SiteCapacity {
  siteId: string
  name: string
  cameras: number
  cloudUsedGb: number | null
  cloudGbPerDay: number | null
  uplinkMbps: number | null
  uplinkUsedMbps: number | null
  uplinkFullAt: string | null
  uplinkPeakMbps: number | null
  uplinkMbpsPerDay: number | null
  /** Daily busiest hour of the summed bandwidth: [ts, Mbit/s], the series behind the uplink trend. */
  uplinkPeaks: Array<[number, number]>
  /** Summed cloud use per day: [latest time of the day, GB]. */
  cloudDaily: Array<[number, number]>
  asOf: string | null
}

export interface CapacityReport {
  cameras: CameraCapacity[]
  sites: SiteCapacity[]
  /** camtel's own database; only for callers that see every site (it is not site data). */
  database: DatabaseCapacity | null
}

/** The wire form: camtel's own database against its retention (an addition to DESIGN §7). */
export interface DatabaseCapacity {
  bytes: number | null
  /** Growth over the sampled period (at most 7 days), bytes a day; null until 6 hours are sampled. */
  bytesPerDay: number | null
  /** Free space on the data folder's file system. */
  freeBytes: number | null
  /** When growth at bytesPerDay fills the free space (server clock); null when not growing or beyond a year. */
  fullAt: string | null
  /** Days each history tier is kept: once the data spans them all, growth levels off. */
  retentionDays: { raw: number; '1m': number; '1h': number }
}
