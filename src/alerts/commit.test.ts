import { mkdtempSync, rmSync } from 'node:fs'
import { type Server, createServer as createHttpServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/index.js'
import { ManualClock } from '../core/clock.js'
import { type CamtelServer, createServer } from '../server/app.js'
import { ADMIN_TOKEN } from '../server/test-support/test-server.js'
import { type SqliteStore, openSqliteStore } from '../store/sqlite/index.js'
import type { DomainEvent } from '../stream/events.js'
import type { AlertChanges, AlertStore, IncidentRecord } from './model.js'

/** The store's alerts, with each commit recorded, and the next one made to fail midway when asked. */
function recordingCommits(alerts: AlertStore) {
  const rec = { commits: [] as AlertChanges[], failNext: false, last: Promise.resolve() as Promise<void> }
  const commit = (c: AlertChanges): Promise<void> => {
    rec.commits.push(c)
    // An incident the table refuses (site_id NOT NULL), after the step's alerts and incidents.
    const broken = { id: 1_000_000, siteId: null, ruleId: 'x', group: 'x', state: 'open', cameras: [], openedAt: 0, resolvedAt: null } as unknown as IncidentRecord
    const failing = rec.failNext
    rec.failNext = false
    rec.last = alerts.commit(failing ? { ...c, incidents: [...c.incidents, broken] } : c)
    return rec.last
  }
  const store = new Proxy(alerts, {
    get(target, key) {
      if (key === 'commit') return commit
      const v: unknown = Reflect.get(target, key)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  return { store, rec }
}

let dir: string
let base: SqliteStore
let server: CamtelServer
let url: string
let rec: ReturnType<typeof recordingCommits>['rec']
let hook: Server
let hookKinds: string[]
let events: DomainEvent[]
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))

const api = (path: string, json?: unknown) =>
  fetch(`${url}${path}`, {
    method: json === undefined ? 'GET' : path.startsWith('/api/v1/telemetry') ? 'POST' : 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  })

/** Rows in the data folder's database, read on a connection of its own. */
function count(table: 'alerts' | 'incidents' | 'outbox'): number {
  const db = new Database(join(dir, 'camtel.db'), { readonly: true })
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  } finally {
    db.close()
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camtel-commit-'))
  hookKinds = []
  hook = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      hookKinds.push((JSON.parse(body) as { kind: string }).kind)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  base = openSqliteStore({ dataDir: dir, sync: 'normal' })
  const recorded = recordingCommits(base.alerts)
  rec = recorded.rec
  const config = {
    ...loadConfig({ env: {}, flags: {} }),
    host: '127.0.0.1',
    port: 0,
    data: dir,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent' as const,
    sync: 'normal' as const,
    notifyUrl: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
    notifySecret: 's',
    notifyGroupWait: 0,
  }
  server = await createServer(config, { clock, logger: pino({ level: 'silent' }), store: { ...base, alerts: recorded.store } })
  await server.listen()
  url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`
  events = []
  server.events.subscribe((e) => events.push(...e))
  await api('/api/v1/sites/north', { name: 'North' })
  await api('/api/v1/rules/hot', { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: { site: 'north' } })
  for (let i = 0; i < 30; i++) await api(`/api/v1/cameras/n-${i}`, { siteId: 'north' })
})

afterEach(async () => {
  await server.close()
  await new Promise((r) => hook.close(r))
  rmSync(dir, { recursive: true, force: true })
})

const hot = () => Array.from({ length: 30 }, (_, i) => ({ cameraId: `n-${i}`, ts: clock.now(), metrics: { temperature_c: 95 } }))

describe('the alert changes of one step', () => {
  it('are stored in one commit: thirty alerts, their incident and the notifications', async () => {
    rec.commits.length = 0
    const res = await api('/api/v1/telemetry', { reports: hot() })
    expect(res.status).toBe(200)
    const listed = (await (await api('/api/v1/alerts?state=open')).json()) as { alerts: Array<{ incidentId?: number }> }
    expect(listed.alerts).toHaveLength(30)
    expect(rec.commits).toHaveLength(1)
    const [step] = rec.commits
    expect(step!.alerts).toHaveLength(30)
    expect(step!.incidents).toHaveLength(1)
    // One per alert (dropped when due: the incident tells instead) and the incident's.
    expect(step!.notifications.map((m) => m.kind).sort()).toEqual([...Array(30).fill('alert.opened'), 'incident.opened'])
    expect(listed.alerts.every((a) => a.incidentId === step!.incidents[0]!.id)).toBe(true)
    expect([count('alerts'), count('incidents'), count('outbox')]).toEqual([30, 1, 31])
    await server.dispatcher.runOnce()
    expect(hookKinds).toEqual(['incident.opened'])
  })

  it('are stored all or not at all, and a failed commit goes again, without publishing the events twice', async () => {
    rec.failNext = true
    const res = await api('/api/v1/telemetry', { reports: hot() })
    // The batch is stored and acknowledged whatever becomes of its alerts.
    expect(res.status).toBe(200)
    await expect(rec.last).rejects.toThrow()
    // The transaction failed midway: nothing of the step is stored.
    expect([count('alerts'), count('incidents'), count('outbox')]).toEqual([0, 0, 0])
    await server.dispatcher.runOnce()
    expect(hookKinds).toEqual([])
    await server.events.settled()
    // Alert events only: the incident's, as it grows, follow on a timer of their own.
    const published = events.filter((e) => e.topic === 'alert').length
    expect(published).toBeGreaterThanOrEqual(30)
    // The engine sends the same changes again (on its retry timer, there being no other step).
    const deadline = Date.now() + 5000
    while (rec.commits.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await rec.last
    expect(rec.commits[1]!.alerts).toHaveLength(30)
    expect([count('alerts'), count('incidents'), count('outbox')]).toEqual([30, 1, 31])
    const listed = (await (await api('/api/v1/alerts?state=open')).json()) as { alerts: unknown[] }
    expect(listed.alerts).toHaveLength(30)
    await server.dispatcher.runOnce()
    expect(hookKinds).toEqual(['incident.opened'])
    await server.events.settled()
    expect(events.filter((e) => e.topic === 'alert').length).toBe(published)
    // Opened with its first five members, then once more with all thirty: not once per retry.
    expect(events.filter((e) => e.topic === 'incident').length).toBeLessThanOrEqual(2)
  })

  it('reach the event log only with or after the rows they tell of', async () => {
    // Every alert event a console gets names an alert that a read on another connection finds.
    const missing: number[] = []
    const stop = server.events.subscribe((batch) => {
      const ids = batch.filter((e) => e.topic === 'alert').map((e) => (e.data as { id: number }).id)
      if (ids.length === 0) return
      const db = new Database(join(dir, 'camtel.db'), { readonly: true })
      const has = db.prepare('SELECT 1 FROM alerts WHERE id = ?').pluck()
      for (const id of ids) if (has.get(id) === undefined) missing.push(id)
      db.close()
    })
    await api('/api/v1/telemetry', { reports: hot() })
    clock.advance(10_000)
    await api('/api/v1/telemetry', { reports: hot().map((r) => ({ ...r, ts: clock.now(), metrics: { temperature_c: 20 } })) })
    await server.events.settled()
    stop()
    expect(events.filter((e) => e.topic === 'alert').length).toBeGreaterThanOrEqual(60)
    expect(missing).toEqual([])
  })
})
