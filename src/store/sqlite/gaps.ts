import type { Database, Statement } from 'better-sqlite3'
import type { Gap, GapStore } from '../ports.js'
import type { CameraNumbers } from './camera-numbers.js'

interface GapRow {
  from_ts: number
  to_ts: number
  reports: number
  source: string
  recorded_at: number
  updated_at: number
}

export class SqliteGaps implements GapStore {
  private readonly upsert: Statement
  private readonly getOne: Statement
  private readonly overlapping: Statement
  private readonly newest: Statement
  private readonly recordTx: (g: Omit<Gap, 'recordedAt' | 'updatedAt'>, now: number) => { gap: Gap; created: boolean }

  constructor(
    db: Database,
    private readonly cams: CameraNumbers,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO telemetry_gaps (cam, from_ts, to_ts, reports, source, recorded_at, updated_at) VALUES (@cam, @from, @to, @reports, @source, @now, @now)
       ON CONFLICT (cam, from_ts) DO UPDATE SET
         to_ts = max(to_ts, excluded.to_ts), reports = max(reports, excluded.reports), source = excluded.source, updated_at = excluded.updated_at
       WHERE excluded.to_ts > to_ts OR excluded.reports > reports`,
    )
    this.getOne = db.prepare('SELECT * FROM telemetry_gaps WHERE cam = ? AND from_ts = ?')
    this.overlapping = db.prepare('SELECT * FROM telemetry_gaps WHERE cam = @cam AND from_ts <= @to AND to_ts >= @from ORDER BY from_ts LIMIT @limit')
    this.newest = db.prepare('SELECT * FROM telemetry_gaps WHERE cam = ? ORDER BY from_ts DESC LIMIT ?')
    this.recordTx = db.transaction((g: Omit<Gap, 'recordedAt' | 'updatedAt'>, now: number) => {
      const cam = this.cams.require(g.cameraId)
      const created = this.getOne.get(cam, g.from) === undefined
      this.upsert.run({ cam, from: g.from, to: g.to, reports: g.reports, source: g.source, now })
      return { gap: fromRow(g.cameraId, this.getOne.get(cam, g.from) as GapRow), created }
    })
  }

  async recordGap(g: Omit<Gap, 'recordedAt' | 'updatedAt'>, now: number): Promise<{ gap: Gap; created: boolean }> {
    return this.recordTx(g, now)
  }

  async listGaps(q: { cameraId: string; from: number; to: number; limit: number }): Promise<Gap[]> {
    const cam = this.cams.get(q.cameraId)
    if (cam === undefined) return []
    return (this.overlapping.all({ cam, from: q.from, to: q.to, limit: q.limit }) as GapRow[]).map((r) => fromRow(q.cameraId, r))
  }

  async recentGaps(cameraId: string, limit: number): Promise<Gap[]> {
    const cam = this.cams.get(cameraId)
    if (cam === undefined) return []
    return (this.newest.all(cam, limit) as GapRow[]).map((r) => fromRow(cameraId, r))
  }
}

const fromRow = (cameraId: string, r: GapRow): Gap => ({
  cameraId,
  from: r.from_ts,
  to: r.to_ts,
  reports: r.reports,
  source: r.source,
  recordedAt: r.recorded_at,
  updatedAt: r.updated_at,
})
