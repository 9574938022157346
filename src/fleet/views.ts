import { type Principal, canSeeSite } from '../server/auth/roles.js'
import type { Site } from '../store/ports.js'
import type { CameraState, Fleet } from './fleet.js'
import { type ByStatus, type Status, emptyByStatus } from './status.js'

/** How cameras look on the wire (DESIGN §3). Times are RFC 3339 strings. */
export interface CameraListItem {
  id: string
  name: string
  siteId: string
  status: Status
  lastSeen: string | null
  lat: number | null
  lon: number | null
  model: string | null
  tags: string[]
  metrics: Record<string, number>
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** Latest value per metric, plus `online` derived from the status (DESIGN §2). */
export function latestValues(state: CameraState): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of Object.keys(state.metrics).sort()) out[name] = (state.metrics[name] as { value: number }).value
  if (state.status !== 'unknown') out.online = state.status === 'offline' ? 0 : 1
  return out
}

export function listItem(state: CameraState): CameraListItem {
  const c = state.camera
  return {
    id: c.id,
    name: c.name,
    siteId: c.siteId,
    status: state.status,
    lastSeen: iso(state.lastSeen),
    lat: c.lat,
    lon: c.lon,
    model: c.model,
    tags: c.tags,
    metrics: latestValues(state),
  }
}

export function cameraDetail(state: CameraState, fleet: Fleet) {
  const c = state.camera
  return {
    id: c.id,
    name: c.name,
    siteId: c.siteId,
    siteName: fleet.site(c.siteId)?.name ?? null,
    lat: c.lat,
    lon: c.lon,
    model: c.model,
    firmware: c.firmware,
    tags: c.tags,
    offlineAfter: c.offlineAfter,
    offlineAfterEffective: fleet.offlineAfterMs(c) / 1000,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    status: state.status,
    lastSeen: iso(state.lastSeen),
    lastTs: iso(state.lastTs),
    metrics: latestValues(state),
    metricsAt: Object.fromEntries(Object.entries(state.metrics).map(([k, v]) => [k, new Date(v.ts).toISOString()])),
    // Filled in by the alerting and prediction features as they land.
    alerts: [] as unknown[],
    predictions: [] as unknown[],
  }
}

export interface ListFilter {
  site?: string
  status?: Status
  q?: string
  limit: number
  cursor?: string
}

/** Cameras the principal may see, filtered, sorted by id, one page after `cursor` (an id). */
export function listCameras(fleet: Fleet, p: Principal, f: ListFilter): { cameras: CameraListItem[]; next?: string } {
  const q = f.q?.toLowerCase()
  const after = f.cursor !== undefined ? decodeCursor(f.cursor) : undefined
  const matches: CameraState[] = []
  for (const s of fleet.allCameras()) {
    const c = s.camera
    if (!canSeeSite(p, c.siteId)) continue
    if (f.site !== undefined && c.siteId !== f.site) continue
    if (f.status !== undefined && s.status !== f.status) continue
    if (after !== undefined && c.id <= after) continue
    if (q && !matchesQuery(s, q)) continue
    matches.push(s)
  }
  matches.sort((a, b) => (a.camera.id < b.camera.id ? -1 : a.camera.id > b.camera.id ? 1 : 0))
  const page = matches.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    cameras: page.map(listItem),
    ...(matches.length > f.limit && last ? { next: encodeCursor(last.camera.id) } : {}),
  }
}

function matchesQuery(s: CameraState, q: string): boolean {
  const c = s.camera
  return (
    c.id.toLowerCase().includes(q) ||
    c.name.toLowerCase().includes(q) ||
    (c.model?.toLowerCase().includes(q) ?? false) ||
    c.tags.some((t) => t.toLowerCase().includes(q))
  )
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  return id.length > 0 && encodeCursor(id) === cursor ? id : undefined
}

export function fleetSummary(fleet: Fleet, p: Principal) {
  const byStatus = emptyByStatus()
  const perSite = new Map<string, { cameras: number; byStatus: ByStatus }>()
  let cameras = 0
  for (const s of fleet.allCameras()) {
    if (!canSeeSite(p, s.camera.siteId)) continue
    cameras++
    byStatus[s.status]++
    let site = perSite.get(s.camera.siteId)
    if (!site) perSite.set(s.camera.siteId, (site = { cameras: 0, byStatus: emptyByStatus() }))
    site.cameras++
    site.byStatus[s.status]++
  }
  const sites: Array<{ siteId: string; name: string; lat: number | null; lon: number | null; cameras: number; byStatus: ByStatus }> = []
  for (const site of fleet.allSites()) {
    if (!canSeeSite(p, site.id)) continue
    const counts = perSite.get(site.id) ?? { cameras: 0, byStatus: emptyByStatus() }
    // The built-in unassigned site is listed only while it holds cameras.
    if (site.id === 'unassigned' && counts.cameras === 0) continue
    sites.push({ siteId: site.id, name: site.name, lat: site.lat, lon: site.lon, ...counts })
  }
  return { cameras, byStatus, sites }
}

export function camerasGeoJson(fleet: Fleet, p: Principal) {
  const features = []
  for (const s of fleet.allCameras()) {
    const c = s.camera
    if (!canSeeSite(p, c.siteId)) continue
    const site: Site | undefined = fleet.site(c.siteId)
    const lat = c.lat ?? site?.lat ?? null
    const lon = c.lon ?? site?.lon ?? null
    features.push({
      type: 'Feature' as const,
      id: c.id,
      // GeoJSON allows a null geometry for a feature without a known location.
      geometry: lat !== null && lon !== null ? { type: 'Point' as const, coordinates: [lon, lat] } : null,
      properties: { id: c.id, name: c.name, siteId: c.siteId, status: s.status },
    })
  }
  features.sort((a, b) => (a.id < b.id ? -1 : 1))
  return { type: 'FeatureCollection' as const, features }
}
