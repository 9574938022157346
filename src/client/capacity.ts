import type { Scope } from './types.js'

/** One camera of GET /api/v1/capacity (DESIGN §7). */
export interface CameraCapacity {
  cameraId: string
  siteId: string
  diskUsedPct: number | null
  /** Days until the disk is full at its current fill rate; null when it is not filling. */
  daysUntilFull: number | null
  diskPctPerDay: number | null
  retentionDays: number | null
  /** Against the governing retention policy; null when none applies or retention_days is not reported. */
  retentionOk: boolean | null
  policyId: string | null
  minDays: number | null
  maxDays: number | null
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
  /** When the trend of the daily busiest hour reaches uplinkMbps (data time); null when it does not. */
  uplinkFullAt: string | null
  uplinkPeakMbps: number | null
  uplinkMbpsPerDay: number | null
  uplinkPeaks: Array<[number, number]>
  cloudDaily: Array<[number, number]>
  asOf: string | null
}

/** camtel's own database against its retention; null for site-limited callers. */
export interface DatabaseCapacity {
  bytes: number | null
  bytesPerDay: number | null
  freeBytes: number | null
  fullAt: string | null
  retentionDays: { raw: number; '1m': number; '1h': number }
}

export interface CapacityReport {
  cameras: CameraCapacity[]
  sites: SiteCapacity[]
  database: DatabaseCapacity | null
}

export interface RetentionPolicy {
  id: string
  scope: Scope
  minDays: number | null
  maxDays: number | null
  createdAt: string
  updatedAt: string
}

export interface RetentionPolicyInput {
  scope: Scope
  minDays?: number | null
  maxDays?: number | null
}
