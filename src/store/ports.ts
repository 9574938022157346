import type { AlertStore } from '../alerts/model.js'
import type { Clock } from '../core/clock.js'
import type { Scope } from '../alerts/rules.js'
import type { OutboxStore } from '../notify/model.js'
import type { Report } from '../protocol/report.js'
import type { EventLog } from '../stream/index.js'
import type { WorkOrderStore } from '../workorders/model.js'

/** What became of one report of a batch. */
export interface WriteOutcome {
  readonly duplicate: boolean
  /** The same (cameraId, seq) was stored before with another ts: the sender's counter restarted. */
  readonly seqReset: boolean
}

/** Latest value of each metric of a camera, with the data time it was reported at. */
export type LatestMetrics = Record<string, { value: number; ts: number }>

export interface CameraLatest {
  readonly cameraId: string
  /** Arrival time (server clock, epoch ms) of the last report; undefined when it never reported. */
  lastSeen: number | undefined
  /** Highest data time seen. */
  lastTs: number | undefined
  metrics: LatestMetrics
}

export interface SeriesQuery {
  readonly cameraId: string
  readonly metric: string
  readonly from: number
  readonly to: number
  /** At most this many points are read; the caller says what happens beyond. */
  readonly limit: number
}

export interface LatestQuery {
  readonly cameraId: string
  readonly metrics: readonly string[]
  readonly from: number
  readonly to: number
  readonly maxReports: number
}

/** Raw telemetry: append, dedup, read back. Every method is durable when its promise resolves. */
export interface TelemetryStore {
  /**
   * True once the store's event log is open (Store.openEventLog): `writeReports` then appends
   * each new report's telemetry event in the same transaction, and producers must not.
   */
  readonly logsTelemetryEvents?: boolean
  /**
   * Stores a batch in one transaction. Reports already stored under the same identity
   * (cameraId, seq, ts) — or (cameraId, ts) without seq — are duplicates and change nothing.
   * Cameras must exist in the registry before their reports are written.
   */
  writeReports(reports: readonly Report[], receivedAt: number): Promise<WriteOutcome[]>
  /** Points of one metric in [from, to], oldest first. */
  readSeries(q: SeriesQuery): Promise<Array<[number, number]>>
  /**
   * The newest report of a camera with ts in [from, to] (`reportTs`), and the newest sample of
   * each of `metrics` in that span (`samples`, as [ts, value]), read back from `to`: it stops
   * once every metric is found, or after `maxReports` reports.
   */
  readLatest(q: LatestQuery): Promise<{ reportTs: number | undefined; samples: Record<string, [number, number]> }>
  /** Number of stored reports of a camera (tests and operations). */
  countReports(cameraId: string): Promise<number>
  /** The latest metrics of every camera that ever reported, as of the last durable write. */
  loadLatest(): Promise<CameraLatest[]>
  /** Persists a snapshot of latest values so that start-up need not scan history. */
  saveLatest(entries: readonly CameraLatest[]): Promise<void>
}

export type RollupTier = '1m' | '1h'
export type HistoryTier = 'raw' | RollupTier

/** Length of a rollup tier's buckets in ms; buckets are aligned to multiples of it since the epoch. */
export const ROLLUP_BUCKET_MS: Readonly<Record<RollupTier, number>> = { '1m': 60_000, '1h': 3_600_000 }

/** One metric of one camera over one bucket, starting at `ts` (epoch ms). */
export interface RollupBucket {
  readonly ts: number
  readonly min: number
  readonly max: number
  readonly sum: number
  readonly count: number
}

export interface RollupQuery {
  readonly cameraId: string
  readonly metric: string
  readonly tier: RollupTier
  /** Buckets that overlap [from, to] are returned, oldest first. */
  readonly from: number
  readonly to: number
  readonly limit: number
}

export interface RollUpOptions {
  /** Bounds the work of one step, in reports (a store may fold in passes over several steps). */
  maxReports: number
  /** Buckets that end at or before these data times are past their tier's retention and not written. */
  expiredBefore?: Partial<Record<RollupTier, number>>
}

/**
 * Rollups (1 minute, 1 hour: min, max, sum, count per metric) and retention of every tier.
 * Each accepted report joins the rollups of its buckets exactly once, late ones included: the
 * write that stores a report records it as pending durably in the same transaction, and
 * `rollUp` folds pending reports in, step by bounded step, exactly once across crashes. A store
 * may also fold in synchronously and have nothing pending. Rollups outlive their raw rows, and
 * raw retention keeps a report, however old, until it is in the rollups.
 */
export interface HistoryStore {
  /** One step; `folded` counts the reports whose rollups this step completed (backlog() tells what waits). */
  rollUp(o: RollUpOptions): Promise<{ folded: number }>
  /** Reports accepted but not yet in the rollups, and the arrival time of the oldest of them. */
  backlog(): Promise<{ reports: number; oldestReceivedAt: number | undefined }>
  readRollups(q: RollupQuery): Promise<RollupBucket[]>
  /** Several metrics of one camera from one pass over its buckets (capacity reads three per camera). */
  readRollupsOf(q: Omit<RollupQuery, 'metric'> & { metrics: readonly string[] }): Promise<Record<string, RollupBucket[]>>
  /** The start of a camera's newest bucket of a tier that starts within [from, to], whatever it holds; undefined when none. */
  newestBucket(cameraId: string, tier: RollupTier, from: number, to: number): Promise<number | undefined>
  /** Data time of the oldest data held for a camera in any tier (a bucket's start); undefined when none. */
  firstDataTime(cameraId: string): Promise<number | undefined>
  /**
   * Deletes rows of a tier whose data lies wholly before `before` (epoch ms): raw reports with
   * ts < before that are in the rollups already, buckets that end at or before it. Deletes at
   * most `maxRows` per call and bounds its work; `done` once a sweep over every camera is
   * complete, so callers loop.
   */
  expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }>
}

export interface Site {
  id: string
  name: string
  lat: number | null
  lon: number | null
  timezone: string | null
  uplinkMbps: number | null
  createdAt: number
  updatedAt: number
}

export interface Camera {
  id: string
  name: string
  siteId: string
  lat: number | null
  lon: number | null
  model: string | null
  firmware: string | null
  tags: string[]
  /** Seconds without a report before the camera is offline; null = the server default. */
  offlineAfter: number | null
  createdAt: number
  updatedAt: number
}

export type SiteInput = Omit<Site, 'createdAt' | 'updatedAt'>
export type CameraInput = Omit<Camera, 'createdAt' | 'updatedAt'>

export interface RegistryStore {
  upsertSite(site: SiteInput, now: number): Promise<{ site: Site; created: boolean }>
  getSite(id: string): Promise<Site | undefined>
  listSites(): Promise<Site[]>
  deleteSite(id: string): Promise<boolean>
  upsertCamera(camera: CameraInput, now: number): Promise<{ camera: Camera; created: boolean }>
  /** Creates each camera that does not exist yet in the given site; returns the ids created. */
  ensureCameras(ids: readonly string[], siteId: string, now: number): Promise<string[]>
  getCamera(id: string): Promise<Camera | undefined>
  listCameras(): Promise<Camera[]>
  /** Removes the camera and its stored telemetry. */
  deleteCamera(id: string): Promise<boolean>
}

export interface StoredToken {
  id: string
  name: string
  role: string
  sites: string[] | null
  /** SHA-256 of the secret, hex. */
  hash: string
  createdAt: number
  revokedAt: number | null
}

export interface TokenStore {
  insertToken(token: StoredToken): Promise<void>
  findTokenByHash(hash: string): Promise<StoredToken | undefined>
  listTokens(): Promise<StoredToken[]>
  revokeToken(id: string, now: number): Promise<boolean>
}

export interface StoredUser {
  username: string
  role: string
  sites: string[] | null
  /** scrypt hash in the form scrypt$N$r$p$salt$hash. */
  passwordHash: string
  disabled: boolean
  createdAt: number
  updatedAt: number
}

export interface StoredSession {
  /** SHA-256 of the cookie value, hex. */
  hash: string
  username: string
  createdAt: number
  lastUsedAt: number
  expiresAt: number
}

export interface AccountStore {
  insertUser(user: StoredUser): Promise<boolean>
  getUser(username: string): Promise<StoredUser | undefined>
  listUsers(): Promise<StoredUser[]>
  updateUser(username: string, changes: Partial<Pick<StoredUser, 'role' | 'sites' | 'passwordHash' | 'disabled'>>, now: number): Promise<boolean>
  insertSession(session: StoredSession): Promise<void>
  getSession(hash: string): Promise<StoredSession | undefined>
  touchSession(hash: string, lastUsedAt: number): Promise<void>
  deleteSession(hash: string): Promise<void>
  /** Ends every session of a user (password change, disable). */
  deleteSessionsOf(username: string): Promise<number>
  deleteExpiredSessions(now: number): Promise<number>
}

export interface AuditEntry {
  id: number
  at: number
  /** Who: a token or user name, with its kind. */
  actor: string
  action: string
  target: string
  detail: unknown
}

export interface AuditStore {
  append(entry: Omit<AuditEntry, 'id'>): Promise<void>
  /** Newest first; `before` pages by id. */
  list(q: { limit: number; before?: number; action?: string }): Promise<AuditEntry[]>
}

/**
 * Reports an edge agent dropped when its buffer cap was reached (DESIGN §9a): `reports` of them,
 * with data times in [from, to] (epoch ms), are missing for good.
 */
export interface Gap {
  readonly cameraId: string
  readonly from: number
  readonly to: number
  readonly reports: number
  /** Name of the token or user that recorded it. */
  readonly source: string
  readonly recordedAt: number
  readonly updatedAt: number
}

export interface GapStore {
  /**
   * One gap per (cameraId, from): recording it again, or an extended version (a later `to`,
   * more `reports`), keeps the larger values, so agents may retry and extend. The camera must
   * be registered.
   */
  recordGap(gap: Omit<Gap, 'recordedAt' | 'updatedAt'>, now: number): Promise<{ gap: Gap; created: boolean }>
  /** Gaps of a camera that overlap [from, to], oldest first. */
  listGaps(q: { cameraId: string; from: number; to: number; limit: number }): Promise<Gap[]>
  /** The camera's latest gaps, newest first. */
  recentGaps(cameraId: string, limit: number): Promise<Gap[]>
}

/**
 * A retention policy for video (DESIGN §7): cameras in `scope` should hold at least `minDays`
 * (evidence) and at most `maxDays` (privacy) of footage; null = no bound on that side.
 */
export interface RetentionPolicy {
  id: string
  scope: Scope
  minDays: number | null
  maxDays: number | null
  createdAt: number
  updatedAt: number
}

export interface RetentionPolicyStore {
  listPolicies(): Promise<RetentionPolicy[]>
  putPolicy(p: Omit<RetentionPolicy, 'createdAt' | 'updatedAt'>, now: number): Promise<{ policy: RetentionPolicy; created: boolean }>
  deletePolicy(id: string): Promise<boolean>
  /** Whether the built-in rule `retention_policy` was installed once (data folders older than it lack it). */
  ruleInstalled(): Promise<boolean>
  markRuleInstalled(): Promise<void>
}

/** The replay window (DESIGN §6) of an event log a store keeps, and where listener errors go. */
export interface StoreEventLogOptions {
  clock: Clock
  /** Events kept for replay at most (CAMTEL_REPLAY_EVENTS). */
  maxEvents: number
  /** How long an event stays replayable after it was appended, ms (CAMTEL_REPLAY_AGE). */
  maxAgeMs: number
  onListenerError?: (err: unknown) => void
  /** The log lost a moving part (the SQLite log's replay thread) and carries on without it, slower. */
  onDegraded?: (err: Error) => void
}

/** One part of a store as /readyz shows it. */
export interface StoreHealthCheck {
  readonly name: string
  readonly ok: boolean
  readonly detail?: string
}

/** One storage engine (SQLite, PostgreSQL) behind the roles the server uses. */
export interface Store {
  readonly kind: string
  readonly telemetry: TelemetryStore
  readonly history: HistoryStore
  readonly registry: RegistryStore
  readonly tokens: TokenStore
  readonly accounts: AccountStore
  readonly audit: AuditStore
  readonly alerts: AlertStore
  readonly outbox: OutboxStore
  readonly gaps: GapStore
  readonly retentionPolicies: RetentionPolicyStore
  /** Maintenance tickets (DESIGN §7), kept with the outbox that delivers them. */
  readonly workOrders: WorkOrderStore
  /** Bytes on disk used by the store, for capacity and benchmarks; undefined if unknown. */
  sizeBytes(): Promise<number | undefined>
  /**
   * The live stream's event log, kept durably by this store, when it has one; at most once per
   * store. Telemetry events then commit with their reports (`telemetry.logsTelemetryEvents`).
   * Close the log before the store.
   */
  openEventLog?(o: StoreEventLogOptions): EventLog
  /** The store's moving parts (a writer thread, the event log), for /readyz; none when it has none. */
  health?(): Promise<StoreHealthCheck[]>
  close(): Promise<void>
}
