import type { Database } from 'better-sqlite3'
import type { AlertChanges, AlertFilter, AlertRecord, AlertStore, IncidentRecord, SilenceRecord } from '../../alerts/model.js'
import type { Rule } from '../../alerts/rules.js'
import { enqueueStatement } from './outbox.js'
import type { SqlStatement } from './write-core.js'
import type { Writer } from './writer.js'

interface AlertRow {
  id: number
  rule_id: string
  camera_id: string
  site_id: string
  severity: string
  state: string
  silenced: number
  late: number
  value: number
  opened_at: number
  since: number
  resolved_at: number | null
  ack: string | null
  incident_id: number | null
  updated_at: number
}

const alertFromRow = (r: AlertRow): AlertRecord => ({
  id: r.id,
  ruleId: r.rule_id,
  cameraId: r.camera_id,
  siteId: r.site_id,
  severity: r.severity as AlertRecord['severity'],
  state: r.state as AlertRecord['state'],
  silenced: r.silenced === 1,
  late: r.late === 1,
  value: r.value,
  openedAt: r.opened_at,
  since: r.since,
  resolvedAt: r.resolved_at,
  ack: r.ack === null ? null : (JSON.parse(r.ack) as AlertRecord['ack']),
  incidentId: r.incident_id,
  updatedAt: r.updated_at,
})

/** An alert stored as it is now: inserted when new, its changing fields updated when not. */
const UPSERT_ALERT = `INSERT INTO alerts (id, rule_id, camera_id, site_id, severity, state, silenced, late, value, opened_at, since, resolved_at, ack, incident_id, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, severity = excluded.severity, state = excluded.state, silenced = excluded.silenced,
    late = excluded.late, value = excluded.value, resolved_at = excluded.resolved_at, ack = excluded.ack, incident_id = excluded.incident_id,
    updated_at = excluded.updated_at`

const UPSERT_INCIDENT = `INSERT INTO incidents (id, site_id, rule_id, grp, state, cameras, opened_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET state = excluded.state, cameras = excluded.cameras, resolved_at = excluded.resolved_at`

const alertStatement = (a: AlertRecord): SqlStatement => [
  UPSERT_ALERT,
  [
    a.id,
    a.ruleId,
    a.cameraId,
    a.siteId,
    a.severity,
    a.state,
    a.silenced ? 1 : 0,
    a.late ? 1 : 0,
    a.value,
    a.openedAt,
    a.since,
    a.resolvedAt,
    a.ack === null ? null : JSON.stringify(a.ack),
    a.incidentId,
    a.updatedAt,
  ],
]

const incidentStatement = (i: IncidentRecord): SqlStatement => [
  UPSERT_INCIDENT,
  [i.id, i.siteId, i.ruleId, i.group, i.state, JSON.stringify(i.cameras), i.openedAt, i.resolvedAt],
]

/**
 * Rules and silences are written on the main connection (rare, from the API). Alerts, incidents
 * and their notifications change with ingest: each step's changes go to the writer thread as one
 * transaction, which commits with the batches queued there (one fsync for all), off the event
 * loop and without waiting for the write lock on it. Their ids are handed out here, so that the
 * engine knows them before the commit.
 */
export class SqliteAlerts implements AlertStore {
  private nextAlert: number | undefined
  private nextIncident: number | undefined

  constructor(
    private readonly db: Database,
    private readonly writer: Writer,
  ) {}

  nextAlertId(): number {
    this.nextAlert ??= this.firstFreeId('alerts')
    return this.nextAlert++
  }

  nextIncidentId(): number {
    this.nextIncident ??= this.firstFreeId('incidents')
    return this.nextIncident++
  }

  async commit(c: AlertChanges): Promise<void> {
    const statements: SqlStatement[] = []
    for (const a of c.alerts) statements.push(alertStatement(a))
    for (const i of c.incidents) statements.push(incidentStatement(i))
    for (const m of c.notifications) statements.push(enqueueStatement(m))
    if (statements.length > 0) await this.writer.execute(statements)
  }

  async insertAlert(a: Omit<AlertRecord, 'id'>): Promise<number> {
    const alert = { ...a, id: this.nextAlertId() }
    await this.commit({ alerts: [alert], incidents: [], notifications: [] })
    return alert.id
  }

  /** Past every id the table has used (AUTOINCREMENT: also those of deleted rows). */
  private firstFreeId(table: 'alerts' | 'incidents'): number {
    const used = this.db
      .prepare(`SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), coalesce((SELECT max(id) FROM ${table}), 0))`)
      .pluck()
      .get(table) as number
    return used + 1
  }

  async listRules(): Promise<Rule[]> {
    return (this.db.prepare('SELECT body FROM rules ORDER BY id').pluck().all() as string[]).map((b) => JSON.parse(b) as Rule)
  }

  async putRule(rule: Rule, now: number): Promise<boolean> {
    const existed = this.db.prepare('SELECT 1 FROM rules WHERE id = ?').pluck().get(rule.id) !== undefined
    this.db
      .prepare('INSERT INTO rules (id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at')
      .run(rule.id, JSON.stringify(rule), now)
    return !existed
  }

  async deleteRule(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes > 0
  }

  async defaultsInstalled(): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM meta WHERE key = 'default_rules'").pluck().get() !== undefined
  }

  async markDefaultsInstalled(): Promise<void> {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('default_rules', '1')").run()
  }

  async getAlert(id: number): Promise<AlertRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined
    return row && alertFromRow(row)
  }

  async listAlerts(f: AlertFilter): Promise<AlertRecord[]> {
    const where: string[] = []
    const params: Record<string, unknown> = { limit: f.limit }
    if (f.state === 'open') where.push("state != 'resolved'")
    else if (f.state !== undefined) {
      where.push('state = @state')
      params.state = f.state
    }
    if (f.camera !== undefined) {
      where.push('camera_id = @camera')
      params.camera = f.camera
    }
    if (f.severity !== undefined) {
      where.push('severity = @severity')
      params.severity = f.severity
    }
    if (f.siteIds) {
      if (f.siteIds.length === 0) return []
      where.push(`site_id IN (${f.siteIds.map((_, i) => `@s${i}`).join(', ')})`)
      f.siteIds.forEach((s, i) => (params[`s${i}`] = s))
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`
    return (this.db.prepare(sql).all(params) as AlertRow[]).map(alertFromRow)
  }

  async openAlerts(): Promise<AlertRecord[]> {
    return (this.db.prepare("SELECT * FROM alerts WHERE state != 'resolved' ORDER BY id").all() as AlertRow[]).map(alertFromRow)
  }

  async insertSilence(s: Omit<SilenceRecord, 'id'>): Promise<number> {
    const info = this.db
      .prepare('INSERT INTO silences (scope, from_ts, to_ts, reason, created_by, created_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(JSON.stringify(s.scope), s.from, s.to, s.reason, s.createdBy, s.createdAt, s.endedAt)
    return Number(info.lastInsertRowid)
  }

  async listSilences(): Promise<SilenceRecord[]> {
    const rows = this.db.prepare('SELECT * FROM silences ORDER BY id').all() as Array<{
      id: number
      scope: string
      from_ts: number
      to_ts: number
      reason: string
      created_by: string
      created_at: number
      ended_at: number | null
    }>
    return rows.map((r) => ({
      id: r.id,
      scope: JSON.parse(r.scope) as SilenceRecord['scope'],
      from: r.from_ts,
      to: r.to_ts,
      reason: r.reason,
      createdBy: r.created_by,
      createdAt: r.created_at,
      endedAt: r.ended_at,
    }))
  }

  async endSilence(id: number, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE silences SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(now, id).changes > 0
  }

  async listIncidents(limit: number): Promise<IncidentRecord[]> {
    const rows = this.db.prepare('SELECT * FROM incidents ORDER BY id DESC LIMIT ?').all(limit) as Array<{
      id: number
      site_id: string
      rule_id: string
      grp: string
      state: string
      cameras: string
      opened_at: number
      resolved_at: number | null
    }>
    return rows.map((r) => ({
      id: r.id,
      siteId: r.site_id,
      ruleId: r.rule_id,
      group: r.grp,
      state: r.state as IncidentRecord['state'],
      cameras: JSON.parse(r.cameras) as string[],
      openedAt: r.opened_at,
      resolvedAt: r.resolved_at,
    }))
  }
}
