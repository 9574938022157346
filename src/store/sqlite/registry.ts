import type { Database } from 'better-sqlite3'
import type { Camera, CameraInput, RegistryStore, Site, SiteInput } from '../ports.js'
import type { CameraNumbers } from './camera-numbers.js'

interface SiteRow {
  id: string
  name: string
  lat: number | null
  lon: number | null
  timezone: string | null
  uplink_mbps: number | null
  created_at: number
  updated_at: number
}

interface CameraRow {
  id: string
  name: string
  site_id: string
  lat: number | null
  lon: number | null
  model: string | null
  firmware: string | null
  tags: string
  offline_after: number | null
  created_at: number
  updated_at: number
}

const siteFromRow = (r: SiteRow): Site => ({
  id: r.id,
  name: r.name,
  lat: r.lat,
  lon: r.lon,
  timezone: r.timezone,
  uplinkMbps: r.uplink_mbps,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const cameraFromRow = (r: CameraRow): Camera => ({
  id: r.id,
  name: r.name,
  siteId: r.site_id,
  lat: r.lat,
  lon: r.lon,
  model: r.model,
  firmware: r.firmware,
  tags: JSON.parse(r.tags) as string[],
  offlineAfter: r.offline_after,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const CAMERA_COLUMNS = 'id, name, site_id, lat, lon, model, firmware, tags, offline_after, created_at, updated_at'

export class SqliteRegistry implements RegistryStore {
  constructor(
    private readonly db: Database,
    private readonly cams: CameraNumbers,
  ) {}

  async upsertSite(s: SiteInput, now: number): Promise<{ site: Site; created: boolean }> {
    const existing = await this.getSite(s.id)
    this.db
      .prepare(
        `INSERT INTO sites (id, name, lat, lon, timezone, uplink_mbps, created_at, updated_at)
         VALUES (@id, @name, @lat, @lon, @timezone, @uplinkMbps, @now, @now)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, lat = excluded.lat, lon = excluded.lon,
           timezone = excluded.timezone, uplink_mbps = excluded.uplink_mbps, updated_at = excluded.updated_at`,
      )
      .run({ ...s, now })
    return { site: (await this.getSite(s.id)) as Site, created: existing === undefined }
  }

  async getSite(id: string): Promise<Site | undefined> {
    const row = this.db.prepare('SELECT * FROM sites WHERE id = ?').get(id) as SiteRow | undefined
    return row && siteFromRow(row)
  }

  async listSites(): Promise<Site[]> {
    return (this.db.prepare('SELECT * FROM sites ORDER BY id').all() as SiteRow[]).map(siteFromRow)
  }

  async deleteSite(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM sites WHERE id = ?').run(id).changes > 0
  }

  async upsertCamera(c: CameraInput, now: number): Promise<{ camera: Camera; created: boolean }> {
    const existing = await this.getCamera(c.id)
    this.db
      .prepare(
        `INSERT INTO cameras (id, name, site_id, lat, lon, model, firmware, tags, offline_after, created_at, updated_at)
         VALUES (@id, @name, @siteId, @lat, @lon, @model, @firmware, @tags, @offlineAfter, @now, @now)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, site_id = excluded.site_id, lat = excluded.lat,
           lon = excluded.lon, model = excluded.model, firmware = excluded.firmware, tags = excluded.tags,
           offline_after = excluded.offline_after, updated_at = excluded.updated_at`,
      )
      .run({ ...c, tags: JSON.stringify(c.tags), now })
    return { camera: (await this.getCamera(c.id)) as Camera, created: existing === undefined }
  }

  async ensureCameras(ids: readonly string[], siteId: string, now: number): Promise<string[]> {
    const missing = ids.filter((id) => this.cams.get(id) === undefined)
    if (missing.length === 0) return []
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO cameras (id, name, site_id, tags, created_at, updated_at) VALUES (?, ?, ?, '[]', ?, ?)`,
    )
    const created: string[] = []
    this.db.transaction(() => {
      for (const id of new Set(missing)) if (insert.run(id, id, siteId, now, now).changes > 0) created.push(id)
    })()
    return created
  }

  async getCamera(id: string): Promise<Camera | undefined> {
    const row = this.db.prepare(`SELECT ${CAMERA_COLUMNS} FROM cameras WHERE id = ?`).get(id) as CameraRow | undefined
    return row && cameraFromRow(row)
  }

  async listCameras(): Promise<Camera[]> {
    return (this.db.prepare(`SELECT ${CAMERA_COLUMNS} FROM cameras ORDER BY id`).all() as CameraRow[]).map(cameraFromRow)
  }

  async deleteCamera(id: string): Promise<boolean> {
    const num = this.cams.get(id)
    if (num === undefined) return false
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM reports WHERE cam = ?').run(num)
      this.db.prepare('DELETE FROM cameras WHERE num = ?').run(num)
    })()
    this.cams.forget(id)
    return true
  }
}
