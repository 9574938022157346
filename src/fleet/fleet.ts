import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { Report } from '../protocol/report.js'
import type { Camera, CameraInput, LatestMetrics, RegistryStore, Site, SiteInput, TelemetryStore, WriteOutcome } from '../store/ports.js'
import type { DomainEvent, EventSink } from '../stream/events.js'
import { type Status, deriveStatus } from './status.js'

export const UNASSIGNED_SITE = 'unassigned'

export interface StatusChange {
  cameraId: string
  siteId: string
  status: Status
  previous: Status
  /** Data time of the change (clock time for offline). */
  ts: number
  /** Server clock at the change. */
  now: number
}

export interface CameraState {
  camera: Camera
  lastSeen: number | undefined
  lastTs: number | undefined
  metrics: LatestMetrics
  status: Status
  /** Latest values changed since the last snapshot. */
  dirty: boolean
}

export interface FleetOptions {
  registry: RegistryStore
  telemetry: TelemetryStore
  clock: Clock
  events: EventSink
  logger: Logger
  /** Default offline timeout in seconds (CAMTEL_OFFLINE_AFTER). */
  offlineAfter: number
  /** How often offline is checked; the contract asks for within a second of the timeout. */
  tickMs?: number
  /** How often latest values are snapshotted to the store. */
  snapshotMs?: number
}

/**
 * The fleet as the server sees it now: registry entries, latest values and health status of every
 * camera, kept in memory (100,000 cameras fit easily) and backed by the store.
 */
export class Fleet {
  private readonly cameras = new Map<string, CameraState>()
  private readonly sites = new Map<string, Site>()
  private worstAlert: (cameraId: string) => 'critical' | 'warning' | null = () => null
  private readonly statusListeners: Array<(change: StatusChange) => void> = []
  private timers: NodeJS.Timeout[] = []

  constructor(private readonly o: FleetOptions) {}

  async load(): Promise<void> {
    const now = this.o.clock.now()
    for (const s of await this.o.registry.listSites()) this.sites.set(s.id, s)
    if (!this.sites.has(UNASSIGNED_SITE)) {
      await this.upsertSite({ id: UNASSIGNED_SITE, name: 'Unassigned', lat: null, lon: null, timezone: null, uplinkMbps: null })
    }
    const latest = new Map((await this.o.telemetry.loadLatest()).map((l) => [l.cameraId, l]))
    for (const camera of await this.o.registry.listCameras()) {
      const l = latest.get(camera.id)
      const state: CameraState = {
        camera,
        lastSeen: l?.lastSeen,
        lastTs: l?.lastTs,
        metrics: l?.metrics ?? Object.create(null),
        status: 'unknown',
        dirty: false,
      }
      state.status = this.statusOf(state, now)
      this.cameras.set(camera.id, state)
    }
  }

  start(): void {
    this.timers.push(setInterval(() => this.tick(), this.o.tickMs ?? 250))
    this.timers.push(setInterval(() => void this.snapshot().catch((err) => this.o.logger.error({ err }, 'snapshot failed')), this.o.snapshotMs ?? 2000))
    for (const t of this.timers) t.unref()
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.snapshot()
  }

  /** Called for every status change, in order (the alert engine opens `offline` alerts from it). */
  onStatusChange(listener: (change: StatusChange) => void): void {
    this.statusListeners.push(listener)
  }

  /** Lets the alert engine say how bad a camera's open alerts are. */
  setAlertSeverity(fn: (cameraId: string) => 'critical' | 'warning' | null): void {
    this.worstAlert = fn
  }

  // --- registry ---------------------------------------------------------------------------

  site(id: string): Site | undefined {
    return this.sites.get(id)
  }

  allSites(): Site[] {
    return [...this.sites.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  async upsertSite(input: SiteInput): Promise<{ site: Site; created: boolean }> {
    const result = await this.o.registry.upsertSite(input, this.o.clock.now())
    this.sites.set(result.site.id, result.site)
    return result
  }

  camera(id: string): CameraState | undefined {
    return this.cameras.get(id)
  }

  allCameras(): IterableIterator<CameraState> {
    return this.cameras.values()
  }

  get size(): number {
    return this.cameras.size
  }

  async upsertCamera(input: CameraInput): Promise<{ camera: Camera; created: boolean }> {
    const result = await this.o.registry.upsertCamera(input, this.o.clock.now())
    const state = this.cameras.get(input.id)
    if (state) {
      state.camera = result.camera
      this.refreshStatus(state, this.o.clock.now())
    } else {
      this.cameras.set(input.id, this.freshState(result.camera))
    }
    return result
  }

  async deleteCamera(id: string): Promise<boolean> {
    const deleted = await this.o.registry.deleteCamera(id)
    this.cameras.delete(id)
    return deleted
  }

  /** Registers cameras that report before they are registered (DESIGN §3). */
  async ensureCameras(ids: readonly string[], siteId: string): Promise<void> {
    const missing = ids.filter((id) => !this.cameras.has(id))
    if (missing.length === 0) return
    await this.o.registry.ensureCameras(missing, siteId, this.o.clock.now())
    for (const id of new Set(missing)) {
      const camera = await this.o.registry.getCamera(id)
      if (camera) this.cameras.set(id, this.freshState(camera))
    }
  }

  // --- telemetry --------------------------------------------------------------------------

  /** Applies a stored batch: latest values, last seen, status. Returns the events it caused. */
  applyReports(reports: readonly Report[], outcomes: readonly WriteOutcome[], receivedAt: number): DomainEvent[] {
    const events: DomainEvent[] = []
    reports.forEach((r, i) => {
      if (outcomes[i]?.duplicate) return
      const state = this.cameras.get(r.cameraId)
      if (!state) return
      state.lastSeen = Math.max(state.lastSeen ?? 0, receivedAt)
      if (state.lastTs === undefined || r.ts > state.lastTs) state.lastTs = r.ts
      // In place: a new object per sample was a large share of the garbage ingest made.
      for (const name in r.metrics) {
        const prev = state.metrics[name]
        if (prev === undefined) state.metrics[name] = { value: r.metrics[name] as number, ts: r.ts }
        else if (prev.ts <= r.ts) {
          prev.value = r.metrics[name] as number
          prev.ts = r.ts
        }
      }
      state.dirty = true
      const change = this.refreshStatus(state, receivedAt, r.ts)
      if (change) events.push(change)
    })
    return events
  }

  /** Re-derives a camera's status (e.g. after its alerts changed); returns the change, if any. */
  reevaluate(cameraId: string, dataTs?: number): DomainEvent | undefined {
    const state = this.cameras.get(cameraId)
    if (!state) return undefined
    return this.refreshStatus(state, this.o.clock.now(), dataTs)
  }

  private tick(): void {
    const now = this.o.clock.now()
    const events: DomainEvent[] = []
    for (const state of this.cameras.values()) {
      if (state.status === 'offline' || state.status === 'unknown') continue
      // Cheap pre-check: 100,000 cameras are scanned four times a second.
      if (state.lastSeen !== undefined && now - state.lastSeen < this.offlineAfterMs(state.camera)) continue
      const change = this.refreshStatus(state, now)
      if (change) events.push(change)
    }
    this.o.events.publish(events)
  }

  /** Runs the offline check now (tests with a manual clock). */
  checkNow(): void {
    this.tick()
  }

  private refreshStatus(state: CameraState, now: number, dataTs?: number): DomainEvent | undefined {
    const next = this.statusOf(state, now)
    if (next === state.status) return undefined
    const previous = state.status
    state.status = next
    // Going offline is a clock event: it happens when nothing arrived, so its time is now.
    const ts = next === 'offline' ? now : (dataTs ?? now)
    for (const l of this.statusListeners) l({ cameraId: state.camera.id, siteId: state.camera.siteId, status: next, previous, ts, now })
    return { topic: 'status', cameraId: state.camera.id, siteId: state.camera.siteId, ts, data: { status: next, previous } }
  }

  private statusOf(state: CameraState, now: number): Status {
    return deriveStatus({
      lastSeen: state.lastSeen,
      now,
      offlineAfterMs: this.offlineAfterMs(state.camera),
      worstAlert: this.worstAlert(state.camera.id),
    })
  }

  offlineAfterMs(camera: Camera): number {
    return (camera.offlineAfter ?? this.o.offlineAfter) * 1000
  }

  private freshState(camera: Camera): CameraState {
    return { camera, lastSeen: undefined, lastTs: undefined, metrics: Object.create(null), status: 'unknown', dirty: false }
  }

  private async snapshot(): Promise<void> {
    const dirty = [...this.cameras.values()].filter((s) => s.dirty)
    if (dirty.length === 0) return
    for (const s of dirty) s.dirty = false
    await this.o.telemetry.saveLatest(
      dirty.map((s) => ({ cameraId: s.camera.id, lastSeen: s.lastSeen, lastTs: s.lastTs, metrics: s.metrics })),
    )
  }
}
