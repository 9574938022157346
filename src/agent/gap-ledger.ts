import type { Database, Statement } from 'better-sqlite3'

/** Reports of one camera that the size cap dropped: `reports` of them with ts in [from, to]. */
export interface GapRecord {
  readonly id: number
  readonly version: number
  readonly cameraId: string
  readonly from: number
  readonly to: number
  readonly reports: number
}

/** What one drop took from one camera. */
export interface Dropped {
  from: number
  to: number
  reports: number
}

/**
 * The agent's record of what the size cap dropped, kept in the buffer until the server has it
 * (`POST /api/v1/gaps`). Successive drops of a camera extend its open gap rather than adding
 * one record per drop, as long as nothing of the camera was uploaded in between: then the gap's
 * range holds no report the server has. The server keeps one gap per (camera, from) and takes
 * the larger `to` and `reports`, so sending an extended gap again is safe.
 */
export class GapLedger {
  /** Open gap per camera: later drops may extend it. */
  private readonly open = new Map<string, { id: number; from: number }>()
  private readonly insert: Statement
  private readonly extend: Statement
  private readonly close: Statement
  private readonly pending: Statement
  private readonly remove: Statement
  private readonly count: Statement

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO gaps (camera_id, from_ts, to_ts, reports) VALUES (?, ?, ?, ?)')
    this.extend = db.prepare('UPDATE gaps SET to_ts = max(to_ts, ?), reports = reports + ?, version = version + 1 WHERE id = ?')
    this.close = db.prepare('UPDATE gaps SET open = 0 WHERE id = ?')
    this.pending = db.prepare('SELECT id, version, camera_id, from_ts, to_ts, reports FROM gaps ORDER BY id LIMIT ?')
    this.remove = db.prepare('DELETE FROM gaps WHERE id = ? AND version = ?')
    this.count = db.prepare('SELECT count(*) FROM gaps').pluck()
    this.reload()
  }

  /** After a rolled-back transaction, or at start. */
  reload(): void {
    this.open.clear()
    const rows = this.db.prepare('SELECT id, camera_id, from_ts FROM gaps WHERE open = 1 ORDER BY id').all() as Array<{ id: number; camera_id: string; from_ts: number }>
    for (const r of rows) this.open.set(r.camera_id, { id: r.id, from: r.from_ts })
  }

  /** Inside the dropping transaction. */
  record(drops: ReadonlyMap<string, Dropped>): void {
    for (const [cameraId, d] of drops) {
      const open = this.open.get(cameraId)
      // A drop that reaches back before the open gap's start would move its start, which is
      // the gap's identity on the server: that one gets a record of its own.
      if (open && d.from >= open.from) {
        this.extend.run(d.to, d.reports, open.id)
        continue
      }
      if (open) this.close.run(open.id)
      const id = Number(this.insert.run(cameraId, d.from, d.to, d.reports).lastInsertRowid)
      this.open.set(cameraId, { id, from: d.from })
    }
  }

  /** Inside the transaction that deletes uploaded reports of the camera: its gap may no longer grow. */
  uploaded(cameraId: string): void {
    const open = this.open.get(cameraId)
    if (!open) return
    this.close.run(open.id)
    this.open.delete(cameraId)
  }

  /** The oldest gaps not yet acknowledged, skipping those in `exclude` (in flight). */
  take(max: number, exclude: ReadonlySet<number>): GapRecord[] {
    const rows = this.pending.all(max + exclude.size) as Array<{ id: number; version: number; camera_id: string; from_ts: number; to_ts: number; reports: number }>
    return rows
      .filter((r) => !exclude.has(r.id))
      .slice(0, max)
      .map((r) => ({ id: r.id, version: r.version, cameraId: r.camera_id, from: r.from_ts, to: r.to_ts, reports: r.reports }))
  }

  /** The server has the gap as sent; a version extended meanwhile stays, to be sent again. */
  delivered(g: GapRecord): void {
    if (this.remove.run(g.id, g.version).changes === 0) return
    if (this.open.get(g.cameraId)?.id === g.id) this.open.delete(g.cameraId)
  }

  pendingCount(): number {
    return this.count.get() as number
  }
}
