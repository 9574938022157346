import type { Alert, ByStatus, CameraListItem, CameraStatus, EventMessage, Incident, Prediction, Site } from './camtel.js'
import { emptyByStatus } from './status.js'

/** What the store loads over REST after a `reset` (DESIGN §6): the fleet as of that moment. */
export interface Snapshot {
  cameras: CameraListItem[]
  sites: Site[]
  /** Open alerts, and recent ones of any state. */
  alerts: Alert[]
  incidents: Incident[]
  /** Raised predictions (risk >= 0.5); null where the plan has no predictive maintenance. */
  predictions?: Prediction[] | null
}

export interface StatusChange {
  /** Data time of the change, epoch ms. */
  at: number
  status: CameraStatus
  previous: CameraStatus
}

export interface SiteSummary {
  siteId: string
  name: string
  cameras: number
  byStatus: ByStatus
}

export interface FleetSummary {
  cameras: number
  byStatus: ByStatus
  sites: SiteSummary[]
}

/** Keys a change is announced under; hooks subscribe to the ones they read. */
export const Keys = {
  /** Any camera: its status, metrics or registry fields. */
  cameras: 'cameras',
  camera: (id: string) => `camera:${id}`,
  /** Which cameras exist and where they are: the map re-indexes on it. */
  registry: 'registry',
  /** Counts by status and by site. */
  summary: 'summary',
  alerts: 'alerts',
  cameraAlerts: (id: string) => `alerts:${id}`,
  incidents: 'incidents',
  /** Raised predictions (DESIGN §7). */
  predictions: 'predictions',
  cameraPredictions: (id: string) => `predictions:${id}`,
  /** A maintenance ticket was made, delivered or reported on (docs/workorders.md): its views read them again. */
  workOrders: 'workorders',
  sites: 'sites',
  connection: 'connection',
} as const

/**
 * Edge agents report their own health as the camera `agent:<name>` (DESIGN §9a). They are in the
 * camera map (the agents view and their drill-down read them there) but are not cameras of the
 * fleet: the counts by status and by site, the camera list and the map leave them out.
 */
export const AGENT_PREFIX = 'agent:'

export function isAgent(cameraId: string): boolean {
  return cameraId.startsWith(AGENT_PREFIX)
}

/** At or above this risk a prediction is raised (DESIGN §7). */
export const RAISE_RISK = 0.5

const predictionKey = (p: Prediction) => `${p.cameraId} ${p.mode}`

/** Resolved alerts kept beside the open ones; older ones are read over REST when asked for. */
const MAX_RESOLVED = 2000
/** Status changes kept per camera for its connectivity timeline; older ones come from alerts. */
const MAX_STATUS_LOG = 200

/**
 * The fleet as the console knows it, and the rules that move it on by one stream event.
 * Objects are replaced, never changed in place, so that components can compare by identity.
 * Counts are kept from the camera map itself (not from the events' `previous`), so that they
 * always agree with it.
 */
export class FleetState {
  readonly cameras = new Map<string, CameraListItem>()
  readonly sites = new Map<string, Site>()
  readonly alerts = new Map<number, Alert>()
  readonly incidents = new Map<number, Incident>()
  /** Raised predictions by `cameraId mode`. */
  readonly predictions = new Map<string, Prediction>()
  /** False where the plan has no predictive maintenance. */
  predictionsEnabled = true
  byStatus: ByStatus = emptyByStatus()
  readonly bySite = new Map<string, ByStatus>()
  /** Cameras that events named before REST told us about them: the store fetches their registry. */
  readonly unknownCameras = new Set<string>()
  /** Sites that cameras name but the site list lacks. */
  readonly unknownSites = new Set<string>()
  private readonly statusLog = new Map<string, StatusChange[]>()
  private readonly latestTs = new Map<string, number>()
  private resolvedCount = 0
  private lastSeenAt = Number.NaN
  private lastSeenText = ''

  load(s: Snapshot): void {
    this.cameras.clear()
    this.sites.clear()
    this.alerts.clear()
    this.incidents.clear()
    this.bySite.clear()
    this.unknownCameras.clear()
    this.unknownSites.clear()
    this.latestTs.clear()
    this.byStatus = emptyByStatus()
    for (const site of s.sites) this.sites.set(site.id, site)
    for (const c of s.cameras) this.addCamera(c)
    for (const a of s.alerts) this.alerts.set(a.id, a)
    for (const i of s.incidents) this.incidents.set(i.id, i)
    this.predictions.clear()
    this.predictionsEnabled = s.predictions !== null
    for (const p of s.predictions ?? []) if (p.risk >= RAISE_RISK) this.predictions.set(predictionKey(p), p)
    this.resolvedCount = [...this.alerts.values()].filter((a) => a.state === 'resolved').length
    // The log of status changes survives a reload: it is history, and REST has no such list.
  }

  /** Applies one event; adds the keys it changed to `changed`. */
  apply(e: EventMessage, receivedAt: number, changed: Set<string>): void {
    switch (e.topic) {
      case 'status':
        return this.applyStatus(e, changed)
      case 'telemetry':
        return this.applyTelemetry(e, receivedAt, changed)
      case 'alert':
        return this.applyAlert(e.data as unknown as Alert, changed)
      case 'incident':
        this.incidents.set((e.data as unknown as Incident).id, e.data as unknown as Incident)
        changed.add(Keys.incidents)
        return
      case 'prediction':
        return this.applyPrediction(e.data as unknown as Prediction, changed)
      case 'workorder':
        // The event carries {id, problem, state}; the views read the tickets over REST.
        changed.add(Keys.workOrders)
        return
      default:
        return
    }
  }

  /** Replaces a camera's registry fields (from REST), keeping its live status and metrics. */
  patchRegistry(c: CameraListItem, changed: Set<string>): void {
    const known = this.cameras.get(c.id)
    this.unknownCameras.delete(c.id)
    if (!known) {
      this.addCamera(c)
    } else {
      if (known.siteId !== c.siteId) {
        this.count(c.id, known.siteId, known.status, -1)
        this.count(c.id, c.siteId, known.status, +1)
      }
      this.cameras.set(c.id, { ...known, name: c.name, siteId: c.siteId, lat: c.lat, lon: c.lon, model: c.model, tags: c.tags })
    }
    changed.add(Keys.cameras).add(Keys.camera(c.id)).add(Keys.summary).add(Keys.registry)
  }

  setSites(sites: Site[], changed: Set<string>): void {
    for (const s of sites) {
      this.sites.set(s.id, s)
      this.unknownSites.delete(s.id)
    }
    changed.add(Keys.sites).add(Keys.summary).add(Keys.registry)
  }

  statusChanges(cameraId: string): readonly StatusChange[] {
    return this.statusLog.get(cameraId) ?? []
  }

  summary(): FleetSummary {
    const sites: SiteSummary[] = []
    const seen = new Set<string>()
    for (const site of this.sites.values()) {
      const byStatus = this.bySite.get(site.id) ?? emptyByStatus()
      const cameras = total(byStatus)
      // The built-in unassigned site is listed only while it holds cameras, as the API does.
      if (site.id === 'unassigned' && cameras === 0) continue
      sites.push({ siteId: site.id, name: site.name, cameras, byStatus })
      seen.add(site.id)
    }
    for (const [siteId, byStatus] of this.bySite) {
      if (!seen.has(siteId) && total(byStatus) > 0) sites.push({ siteId, name: siteId, cameras: total(byStatus), byStatus })
    }
    sites.sort((a, b) => a.name.localeCompare(b.name))
    // Counted from byStatus, which leaves the edge agents out.
    return { cameras: total(this.byStatus), byStatus: { ...this.byStatus }, sites }
  }

  private addCamera(c: CameraListItem): void {
    const previous = this.cameras.get(c.id)
    if (previous) this.count(c.id, previous.siteId, previous.status, -1)
    this.cameras.set(c.id, c)
    this.count(c.id, c.siteId, c.status, +1)
    if (!this.sites.has(c.siteId)) this.unknownSites.add(c.siteId)
  }

  private cameraFor(id: string, siteId: string | null, changed: Set<string>): CameraListItem {
    const known = this.cameras.get(id)
    if (known) return known
    changed.add(Keys.cameras).add(Keys.summary).add(Keys.registry)
    const placeholder: CameraListItem = { id, name: id, siteId: siteId ?? 'unassigned', status: 'unknown', lastSeen: null, lat: null, lon: null, model: null, tags: [], metrics: {} }
    this.addCamera(placeholder)
    this.unknownCameras.add(id)
    return placeholder
  }

  private applyStatus(e: EventMessage<'status'>, changed: Set<string>): void {
    if (e.cameraId === null) return
    const cam = this.cameraFor(e.cameraId, e.siteId, changed)
    const status = e.data.status
    let log = this.statusLog.get(cam.id)
    if (!log) this.statusLog.set(cam.id, (log = []))
    log.push({ at: Date.parse(e.ts), status, previous: e.data.previous })
    if (log.length > MAX_STATUS_LOG) log.splice(0, log.length - MAX_STATUS_LOG)
    changed.add(Keys.camera(cam.id))
    if (cam.status === status) return
    this.count(cam.id, cam.siteId, cam.status, -1)
    this.count(cam.id, cam.siteId, status, +1)
    const metrics = status === 'unknown' ? cam.metrics : { ...cam.metrics, online: status === 'offline' ? 0 : 1 }
    this.cameras.set(cam.id, { ...cam, status, metrics })
    changed.add(Keys.cameras).add(Keys.summary)
  }

  private applyTelemetry(e: EventMessage<'telemetry'>, receivedAt: number, changed: Set<string>): void {
    if (e.cameraId === null) return
    const cam = this.cameraFor(e.cameraId, e.siteId, changed)
    const ts = Date.parse(e.data.ts)
    // A backlog (an edge agent syncing after an outage) must not overwrite newer values.
    const newer = ts >= (this.latestTs.get(cam.id) ?? 0)
    if (newer) this.latestTs.set(cam.id, ts)
    // lastSeen is arrival time at the server (DESIGN §3); the event's arrival here is within a frame of it.
    // A batch's events share their arrival time: its text is made once.
    if (receivedAt !== this.lastSeenAt) {
      this.lastSeenAt = receivedAt
      this.lastSeenText = new Date(receivedAt).toISOString()
    }
    const lastSeen = this.lastSeenText
    this.cameras.set(cam.id, newer ? { ...cam, lastSeen, metrics: { ...cam.metrics, ...e.data.metrics } } : { ...cam, lastSeen })
    changed.add(Keys.cameras).add(Keys.camera(cam.id))
  }

  /** A prediction event: raised (risk >= 0.5) or no longer; it carries the whole prediction. */
  private applyPrediction(p: Prediction, changed: Set<string>): void {
    if (p.risk >= RAISE_RISK) this.predictions.set(predictionKey(p), p)
    else this.predictions.delete(predictionKey(p))
    changed.add(Keys.predictions).add(Keys.cameraPredictions(p.cameraId))
  }

  private applyAlert(a: Alert, changed: Set<string>): void {
    const before = this.alerts.get(a.id)
    if (before?.state === 'resolved') this.resolvedCount--
    if (a.state === 'resolved') this.resolvedCount++
    this.alerts.set(a.id, a)
    changed.add(Keys.alerts).add(Keys.cameraAlerts(a.cameraId))
    if (this.resolvedCount > MAX_RESOLVED * 1.1) this.trimResolved()
  }

  /** Drops the oldest resolved alerts; amortised, since it runs only past a margin. */
  private trimResolved(): void {
    const resolved = [...this.alerts.values()].filter((a) => a.state === 'resolved')
    resolved.sort((a, b) => Date.parse(a.resolvedAt ?? a.openedAt) - Date.parse(b.resolvedAt ?? b.openedAt))
    for (const a of resolved.slice(0, resolved.length - MAX_RESOLVED)) this.alerts.delete(a.id)
    this.resolvedCount = Math.min(resolved.length, MAX_RESOLVED)
  }

  /** Counts a camera in (or out of) the counts by status and by site; edge agents are not counted. */
  private count(cameraId: string, siteId: string, status: CameraStatus, delta: number): void {
    if (isAgent(cameraId)) return
    this.byStatus[status] += delta
    let site = this.bySite.get(siteId)
    if (!site) this.bySite.set(siteId, (site = emptyByStatus()))
    site[status] += delta
  }
}

function total(b: ByStatus): number {
  return b.ok + b.degraded + b.critical + b.offline + b.unknown
}
