import type { Database } from 'better-sqlite3'
import { type WorkOrderState, isFinalState } from '../../protocol/workorders.js'
import type { NewWorkOrder, StatusChange, StatusOutcome, WorkOrderFilter, WorkOrderRecord, WorkOrderStore } from '../../workorders/model.js'
import { enqueueStatement } from './outbox.js'

interface WorkOrderRow {
  id: string
  camera_id: string
  site_id: string
  problem: string
  severity: string
  summary: string
  context?: string
  origin: string
  state: string
  note: string | null
  external_id: string | null
  url: string | null
  created_at: number
  updated_at: number
  closed_at: number | null
  delivered_at: number | null
  attempts: number | null
  last_error: string | null
}

/** Every column but the context, which only the answer about one ticket carries. */
const COLUMNS = `w.id, w.camera_id, w.site_id, w.problem, w.severity, w.summary, w.origin, w.state, w.note, w.external_id, w.url,
  w.created_at, w.updated_at, w.closed_at, o.delivered_at, o.attempts, o.last_error`
const FROM = 'FROM workorders w LEFT JOIN outbox o ON o.id = w.id'
/** Bound parameters per statement, well below SQLite's limit. */
const CHUNK = 500

const fromRow = (r: WorkOrderRow, alertIds: number[]): WorkOrderRecord => ({
  id: r.id,
  cameraId: r.camera_id,
  siteId: r.site_id,
  problem: r.problem,
  severity: r.severity as WorkOrderRecord['severity'],
  summary: r.summary,
  context: r.context === undefined ? undefined : (JSON.parse(r.context) as unknown),
  origin: r.origin as WorkOrderRecord['origin'],
  alertIds,
  state: r.state as WorkOrderState,
  note: r.note,
  externalId: r.external_id,
  url: r.url,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  closedAt: r.closed_at,
  delivery: { deliveredAt: r.delivered_at, attempts: r.attempts ?? 0, lastError: r.last_error },
})

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ')

export class SqliteWorkOrders implements WorkOrderStore {
  constructor(private readonly db: Database) {}

  async open(w: NewWorkOrder): Promise<{ outcome: 'created' | 'joined' | 'known'; workOrder: WorkOrderRecord | undefined }> {
    return this.db.transaction(() => {
      const known = this.db.prepare('SELECT workorder_id FROM workorder_sources WHERE source = ?').pluck().get(w.source) as string | undefined
      if (known !== undefined) return { outcome: 'known' as const, workOrder: this.read(known, true) }
      const open = this.db.prepare('SELECT id FROM workorders WHERE camera_id = ? AND problem = ? AND closed_at IS NULL').pluck().get(w.cameraId, w.problem) as string | undefined
      const addSource = this.db.prepare('INSERT INTO workorder_sources (source, workorder_id, alert_id, added_at) VALUES (?, ?, ?, ?)')
      if (open !== undefined) {
        addSource.run(w.source, open, w.alertId, w.createdAt)
        return { outcome: 'joined' as const, workOrder: this.read(open, true) }
      }
      this.db
        .prepare(
          `INSERT INTO workorders (id, camera_id, site_id, problem, severity, summary, context, origin, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
        )
        .run(w.id, w.cameraId, w.siteId, w.problem, w.severity, w.summary, JSON.stringify(w.context), w.origin, w.createdAt, w.createdAt)
      addSource.run(w.source, w.id, w.alertId, w.createdAt)
      const [sql, params] = enqueueStatement(w.message)
      this.db.prepare(sql).run(...params)
      return { outcome: 'created' as const, workOrder: this.read(w.id, true) }
    })()
  }

  async hasSource(source: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM workorder_sources WHERE source = ?').pluck().get(source) !== undefined
  }

  async get(id: string): Promise<WorkOrderRecord | undefined> {
    return this.read(id, true)
  }

  async list(f: WorkOrderFilter): Promise<WorkOrderRecord[]> {
    if (f.siteIds !== null && f.siteIds.length === 0) return []
    const where: string[] = []
    const params: unknown[] = []
    if (f.siteIds !== null) {
      where.push(`w.site_id IN (${marks(f.siteIds.length)})`)
      params.push(...f.siteIds)
    }
    if (f.state !== undefined) {
      where.push('w.state = ?')
      params.push(f.state)
    }
    if (f.active !== undefined) where.push(f.active ? 'w.closed_at IS NULL' : 'w.closed_at IS NOT NULL')
    if (f.camera !== undefined) {
      where.push('w.camera_id = ?')
      params.push(f.camera)
    }
    if (f.problem !== undefined) {
      where.push('w.problem = ?')
      params.push(f.problem)
    }
    if (f.alertId !== undefined) {
      where.push('w.id IN (SELECT workorder_id FROM workorder_sources WHERE alert_id = ?)')
      params.push(f.alertId)
    }
    const sql = `SELECT ${COLUMNS} ${FROM} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY w.created_at DESC, w.id DESC LIMIT ?`
    const rows = this.db.prepare(sql).all(...params, f.limit) as WorkOrderRow[]
    return this.withAlerts(rows)
  }

  async ofAlerts(alertIds: readonly number[]): Promise<Map<number, WorkOrderRecord>> {
    const out = new Map<number, WorkOrderRecord>()
    if (alertIds.length === 0) return out
    const links: Array<{ alert_id: number; workorder_id: string }> = []
    for (const part of chunks([...new Set(alertIds)])) {
      links.push(...(this.db.prepare(`SELECT alert_id, workorder_id FROM workorder_sources WHERE alert_id IN (${marks(part.length)})`).all(...part) as typeof links))
    }
    const rows: WorkOrderRow[] = []
    for (const part of chunks([...new Set(links.map((l) => l.workorder_id))])) {
      rows.push(...(this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE w.id IN (${marks(part.length)})`).all(...part) as WorkOrderRow[]))
    }
    const byId = new Map(this.withAlerts(rows).map((w) => [w.id, w]))
    for (const l of links) {
      const w = byId.get(l.workorder_id)
      if (w) out.set(l.alert_id, w)
    }
    return out
  }

  async setStatus(id: string, change: StatusChange, now: number): Promise<StatusOutcome> {
    return this.db.transaction((): StatusOutcome => {
      const row = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE w.id = ?`).get(id) as WorkOrderRow | undefined
      if (!row) return { kind: 'not_found' }
      const final = isFinalState(change.state)
      if (!final && row.closed_at !== null) {
        const other = this.db
          .prepare('SELECT id FROM workorders WHERE camera_id = ? AND problem = ? AND closed_at IS NULL AND id != ?')
          .pluck()
          .get(row.camera_id, row.problem, id) as string | undefined
        if (other !== undefined) return { kind: 'superseded', by: other }
      }
      this.db
        .prepare('UPDATE workorders SET state = ?, note = ?, external_id = ?, url = ?, updated_at = ?, closed_at = ? WHERE id = ?')
        .run(
          change.state,
          change.note === undefined ? row.note : change.note,
          change.externalId === undefined ? row.external_id : change.externalId,
          change.url === undefined ? row.url : change.url,
          now,
          final ? (row.closed_at ?? now) : null,
          id,
        )
      return { kind: 'updated', workOrder: this.read(id, true) as WorkOrderRecord }
    })()
  }

  private read(id: string, withContext: boolean): WorkOrderRecord | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS}${withContext ? ', w.context' : ''} ${FROM} WHERE w.id = ?`).get(id) as WorkOrderRow | undefined
    return row && this.withAlerts([row])[0]
  }

  /** Records of these rows, each with the alerts that made or joined it. */
  private withAlerts(rows: readonly WorkOrderRow[]): WorkOrderRecord[] {
    const alerts = new Map<string, number[]>()
    for (const part of chunks(rows.map((r) => r.id))) {
      const links = this.db
        .prepare(`SELECT workorder_id, alert_id FROM workorder_sources WHERE alert_id IS NOT NULL AND workorder_id IN (${marks(part.length)}) ORDER BY added_at, alert_id`)
        .all(...part) as Array<{ workorder_id: string; alert_id: number }>
      for (const l of links) {
        let ids = alerts.get(l.workorder_id)
        if (!ids) alerts.set(l.workorder_id, (ids = []))
        ids.push(l.alert_id)
      }
    }
    return rows.map((r) => fromRow(r, alerts.get(r.id) ?? []))
  }
}
