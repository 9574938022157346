/**
 * The REST answers camtel gives (DESIGN §3, §4), as the client sees them. Times are RFC 3339
 * strings except series points, which are epoch milliseconds.
 */
import type { AlertData, IncidentData, PredictionData } from '../protocol/stream.js'

export type CameraStatus = 'ok' | 'degraded' | 'critical' | 'offline' | 'unknown'
export type ByStatus = Record<CameraStatus, number>

export interface CameraListItem {
  id: string
  name: string
  siteId: string
  status: CameraStatus
  lastSeen: string | null
  lat: number | null
  lon: number | null
  model: string | null
  tags: string[]
  /** Latest value per metric, plus `online` (1 or 0) once the camera has reported. */
  metrics: Record<string, number>
}

export interface CameraList {
  cameras: CameraListItem[]
  /** Cursor of the next page, when there is one. */
  next?: string
}

export interface CameraQuery {
  site?: string
  status?: CameraStatus
  q?: string
  limit?: number
  cursor?: string
}

export interface CameraDetail extends CameraListItem {
  siteName: string | null
  firmware: string | null
  offlineAfter: number | null
  offlineAfterEffective: number
  createdAt: string | null
  updatedAt: string | null
  lastTs: string | null
  metricsAt: Record<string, string>
  alerts: AlertData[]
  predictions: PredictionData[]
  /** Reports an edge agent dropped (DESIGN §9a), the most recent ones. */
  gaps?: Gap[]
}

export interface FleetSummary {
  cameras: number
  byStatus: ByStatus
  sites: Array<{ siteId: string; name: string; cameras: number; byStatus: ByStatus }>
}

export interface Site {
  id: string
  name: string
  lat: number | null
  lon: number | null
  timezone: string | null
  uplinkMbps: number | null
  createdAt: string
  updatedAt: string
}

export interface SeriesQuery {
  metric: string
  from?: Date | number | string
  to?: Date | number | string
  /** A duration such as `10s`, `1m`, `1h`. */
  step?: string
}

export interface Series {
  cameraId: string
  metric: string
  tier: 'raw' | '1m' | '1h'
  /** [epoch ms, value] */
  points: Array<[number, number]>
  /** [epoch ms, min, max, count], for the rollup tiers. */
  stats?: Array<[number, number, number, number]>
}

/** A telemetry report as sent (DESIGN §2). */
export interface Report {
  cameraId: string
  seq?: number
  ts: string | number
  metrics: Record<string, number | boolean>
}

export interface BatchResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; error: string }>
}

/** `GET /healthz`: the server is up; `auth` says whether credentials are needed (DESIGN §10). */
export interface Health {
  status: string
  version: string
  auth: 'on' | 'off'
}

export type Role = 'admin' | 'operator' | 'viewer' | 'ingest'

/** Who is calling (`GET /api/v1/me`); `sites` null means every site. */
export interface Me {
  kind: string
  name: string
  role: Role
  sites: string[] | null
}

/** The answer to `POST /api/v1/login`; the session itself travels in an HttpOnly cookie. */
export interface Session {
  username: string
  role: Role
  sites: string[] | null
}

export interface AlertAck {
  by: string
  at: string
  note: string | null
}

/** An alert as REST answers it (DESIGN §5): ids are numbers on the wire. */
export type Alert = Omit<AlertData, 'id' | 'ack'> & { id: number; ack?: AlertAck; incidentId?: number }

export interface AlertQuery {
  /** `open` = firing or acknowledged. */
  state?: Alert['state'] | 'open'
  site?: string
  camera?: string
  severity?: Alert['severity']
  limit?: number
}

/** An incident as REST answers it; `group` is `site:<id>` or a `switch:`/`uplink:` tag. */
export type Incident = Omit<IncidentData, 'id'> & { id: number; group?: string }

export type Scope = 'all' | { site?: string; camera?: string; tag?: string }

export interface Silence {
  id: number
  scope: Scope
  from: string
  to: string
  reason: string
  createdBy: string
  createdAt: string
  endedAt?: string
  active: boolean
}

export interface SilenceInput {
  scope: Scope
  from: Date | number | string
  to: Date | number | string
  reason: string
}

export interface Rule {
  id: string
  metric: string
  op: '>' | '>=' | '<' | '<=' | '==' | '!='
  value: number
  for: number
  clear?: number
  severity: 'warning' | 'critical'
  scope: Scope
  description?: string
}

/** Reports an edge agent dropped for good (DESIGN §9a). */
export interface Gap {
  cameraId: string
  from: string
  to: string
  reports: number
  source: string
  recordedAt: string
  updatedAt: string
}

/** `GET /api/v1/cameras.geojson` (DESIGN §3). */
export interface CameraFeatures {
  type: 'FeatureCollection'
  features: Array<{
    type: 'Feature'
    id: string
    /** [lon, lat]; null where neither the camera nor its site has a position. */
    geometry: { type: 'Point'; coordinates: [number, number] } | null
    properties: { id: string; name: string; siteId: string; status: CameraStatus }
  }>
}

/** A failure prediction (DESIGN §7), as REST answers it and as `prediction` events carry it. */
export interface Prediction {
  cameraId: string
  siteId: string
  mode: string
  /** Probability of a failure in `mode` within 30 days, 0..1; raised at 0.5 or more. */
  risk: number
  /** Expected failure time (RFC 3339, data time), or null. */
  eta: string | null
  /** Why, in words and numbers; strongest reason first. */
  evidence: string[]
  /** Data time of the assessment. */
  asOf?: string
  /** Data time the risk last reached 0.5, while it stays raised. */
  raisedAt?: string | null
}

export interface PredictionQuery {
  site?: string
  camera?: string
  mode?: string
  minRisk?: number
  limit?: number
}
