import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config/index.js'
import { HOUR, T0, healthy } from '../predict/test-support/synthetic.js'
import type { WorkOrderView } from '../protocol/workorders.js'
import { createServer } from '../server/app.js'
import { type TestServer, startTestServer } from '../server/test-support/test-server.js'
import type { StoredEvent } from '../stream/index.js'
import { WorkOrderReceiver, eventually } from './test-support/receiver.js'

const SECRET = 'workorder-secret'
const hot = { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: { site: 'north' }, description: 'housing too hot' }
const lossy = { metric: 'packet_loss_pct', op: '>', value: 5, for: 0, severity: 'warning', scope: 'all' }

async function send(t: TestServer, reports: Array<{ cameraId: string; ts: number; metrics: Record<string, number> }>): Promise<void> {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  expect(((await res.json()) as { rejected: unknown[] }).rejected).toEqual([])
}

async function workOrders(t: TestServer, query = ''): Promise<WorkOrderView[]> {
  const res = await t.api(`/api/v1/workorders${query}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { workOrders: WorkOrderView[] }).workOrders
}

async function setUpFleet(t: TestServer): Promise<void> {
  await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North gate' } })
  for (const id of ['n-1', 'n-2', 'n-3']) {
    expect((await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId: 'north', name: `Cam ${id}`, model: 'AX-200', firmware: '4.2.1' } })).status).toBe(201)
  }
  expect((await t.api('/api/v1/rules/hot', { method: 'PUT', json: hot })).status).toBe(201)
  expect((await t.api('/api/v1/rules/lossy', { method: 'PUT', json: lossy })).status).toBe(201)
}

describe('work orders from alerts', () => {
  let receiver: WorkOrderReceiver
  let t: TestServer
  let events: StoredEvent[]

  beforeEach(async () => {
    receiver = new WorkOrderReceiver()
    await receiver.start()
    t = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET })
    events = []
    t.server.events.subscribe((batch) => events.push(...batch))
    await setUpFleet(t)
  })
  afterEach(async () => {
    await t.close()
    await receiver.stop()
  })

  it('makes one signed ticket for a critical alert, with the diagnostic context, and none for a warning', async () => {
    const now = Date.now()
    // The warning first: by the time the critical alert's ticket exists, the warning was judged too.
    await send(t, [{ cameraId: 'n-2', ts: now - 2000, metrics: { packet_loss_pct: 20, fps: 25 } }])
    await send(t, [{ cameraId: 'n-1', ts: now - 1000, metrics: { temperature_c: 86.5, fps: 24.5 } }])
    const [ticket] = await eventually('a ticket', () => workOrders(t), (w) => w.length > 0)
    const alertId = ((await (await t.api('/api/v1/alerts?camera=n-1')).json()) as { alerts: Array<{ id: number; ruleId: string }> }).alerts[0]?.id
    expect(ticket).toMatchObject({ cameraId: 'n-1', siteId: 'north', problem: 'temperature_c', severity: 'critical', origin: 'alert', alertIds: [alertId], state: 'open' })
    await t.server.workOrders.whenIdle()
    expect(await workOrders(t)).toHaveLength(1)
    expect(await workOrders(t, '?camera=n-2')).toEqual([])

    const [delivery] = await eventually('the delivery', async () => receiver.attempts, (a) => a.length > 0)
    const body = JSON.parse(delivery!.body) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(['id', 'cameraId', 'siteId', 'problem', 'severity', 'summary', 'context', 'createdAt'])
    expect(body).toMatchObject({ id: ticket!.id, cameraId: 'n-1', siteId: 'north', problem: 'temperature_c', severity: 'critical' })
    expect(body.summary).toMatch(/housing too hot on Cam n-1 \(North gate\): temperature_c 86.5 > 80/)
    expect(delivery!.headers['idempotency-key']).toBe(ticket!.id)
    expect(delivery!.headers['x-camtel-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(delivery!.body).digest('hex')}`)
    expect(delivery!.headers['x-camtel-signature']).not.toBe(`sha256=${createHmac('sha256', 'another secret').update(delivery!.body).digest('hex')}`)
    expect(body.context).toMatchObject({
      camera: { id: 'n-1', name: 'Cam n-1', model: 'AX-200', firmware: '4.2.1', siteId: 'north', siteName: 'North gate' },
      metrics: { temperature_c: { value: 86.5, ts: new Date(now - 1000).toISOString() }, fps: { value: 24.5 } },
      alert: { id: alertId, ruleId: 'hot', metric: 'temperature_c', op: '>', threshold: 80, value: 86.5, since: new Date(now - 1000).toISOString() },
    })

    // Shown as delivered, and on the alert, in the list and alone.
    const detail = await eventually('delivered', async () => (await (await t.api(`/api/v1/workorders/${ticket!.id}`)).json()) as WorkOrderView, (w) => w.delivery.state === 'delivered')
    expect(detail.delivery).toMatchObject({ attempts: 1, lastError: null })
    expect(detail.context).toEqual(body.context)
    const alert = (await (await t.api(`/api/v1/alerts/${alertId}`)).json()) as { workOrder?: { id: string; state: string } }
    expect(alert.workOrder).toMatchObject({ id: ticket!.id, state: 'open' })
    const listed = ((await (await t.api('/api/v1/alerts')).json()) as { alerts: Array<{ cameraId: string; workOrder?: { id: string } }> }).alerts
    expect(listed.find((a) => a.cameraId === 'n-1')?.workOrder?.id).toBe(ticket!.id)
    expect(listed.find((a) => a.cameraId === 'n-2')?.workOrder).toBeUndefined()

    await t.server.workOrders.whenIdle()
    await t.server.events.settled()
    const published = events.filter((e) => e.topic === 'workorder')
    // Made, then delivered (the state is still open): consoles show a ticket as sent from the second.
    const open = { cameraId: 'n-1', siteId: 'north', data: { id: ticket!.id, problem: 'temperature_c', state: 'open' } }
    expect(published.map((e) => ({ cameraId: e.cameraId, siteId: e.siteId, data: e.data }))).toEqual([open, open])
  })

  it('makes no second ticket while the first is open, for another critical alert of the same camera and problem', async () => {
    const now = Date.now()
    await send(t, [{ cameraId: 'n-1', ts: now - 100_000, metrics: { temperature_c: 90 } }])
    const [first] = await eventually('a ticket', () => workOrders(t), (w) => w.length === 1)
    // 61 s later the default temperature-critical rule (for 60 s) opens a second critical alert on temperature_c.
    await send(t, [{ cameraId: 'n-1', ts: now - 39_000, metrics: { temperature_c: 91 } }])
    const open = await eventually(
      'two alerts',
      async () => ((await (await t.api('/api/v1/alerts?camera=n-1&state=open')).json()) as { alerts: Array<{ id: number; ruleId: string }> }).alerts,
      (a) => a.length === 2,
    )
    expect(open.map((a) => a.ruleId).sort()).toEqual(['hot', 'temperature-critical'])
    const second = open.find((a) => a.ruleId === 'temperature-critical')!
    // It joins the open ticket: the alert shows it, and the ticket lists both alerts.
    const joined = await eventually('the second alert joins', async () => (await workOrders(t))[0], (w) => (w?.alertIds.length ?? 0) === 2)
    expect(joined?.id).toBe(first!.id)
    expect(((await (await t.api(`/api/v1/alerts/${second.id}`)).json()) as { workOrder?: { id: string } }).workOrder?.id).toBe(first!.id)
    // Another camera's same problem is another ticket.
    await send(t, [{ cameraId: 'n-3', ts: now - 30_000, metrics: { temperature_c: 95 } }])
    await eventually('a ticket for n-3', () => workOrders(t), (w) => w.length === 2)
    await t.server.workOrders.whenIdle()
    await eventually('two deliveries', async () => receiver.delivered(), (d) => d.length === 2)
    await new Promise((r) => setTimeout(r, 700))
    expect(receiver.delivered().map((d) => d.cameraId).sort()).toEqual(['n-1', 'n-3'])
  })

  it('retries a delivery the work-order system refused, and delivers it once, with the same bytes', async () => {
    receiver.statuses = [500]
    await send(t, [{ cameraId: 'n-1', ts: Date.now() - 1000, metrics: { temperature_c: 88 } }])
    await eventually('a failed then a good attempt', async () => receiver.attempts.map((a) => a.status), (s) => s.length >= 2)
    const [ticket] = await workOrders(t)
    expect(ticket?.delivery).toMatchObject({ state: 'delivered', attempts: 2, lastError: null })
    // The dispatcher polls every 500 ms: a second delivery would come within this.
    await new Promise((r) => setTimeout(r, 1500))
    expect(receiver.attempts.map((a) => a.status)).toEqual([500, 200])
    expect(receiver.attempts[1]?.body).toBe(receiver.attempts[0]?.body)
    expect(receiver.attempts[1]?.headers['idempotency-key']).toBe(ticket?.id)
  })

  it('makes none for a silenced critical alert', async () => {
    const now = Date.now()
    const silence = await t.api('/api/v1/silences', { method: 'POST', json: { scope: { camera: 'n-3' }, from: now - 60_000, to: now + 3_600_000, reason: 'replacing the housing' } })
    expect(silence.status).toBe(201)
    await send(t, [{ cameraId: 'n-3', ts: now - 2000, metrics: { temperature_c: 99 } }])
    await send(t, [{ cameraId: 'n-1', ts: now - 1000, metrics: { temperature_c: 99 } }])
    await eventually('the ticket of n-1', () => workOrders(t), (w) => w.length > 0)
    await t.server.workOrders.whenIdle()
    expect((await workOrders(t)).map((w) => w.cameraId)).toEqual(['n-1'])
  })
})

describe('work orders across restarts', () => {
  let receiver: WorkOrderReceiver
  let dataDir: string
  beforeEach(async () => {
    receiver = new WorkOrderReceiver()
    await receiver.start()
    dataDir = mkdtempSync(join(tmpdir(), 'camtel-workorders-'))
  })
  afterEach(async () => {
    await receiver.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('delivers tickets left undelivered after a restart, each once, and makes none twice', async () => {
    receiver.down = 503
    const first = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET }, { dataDir })
    await setUpFleet(first)
    const now = Date.now()
    await send(first, [
      { cameraId: 'n-1', ts: now - 2000, metrics: { temperature_c: 90 } },
      { cameraId: 'n-3', ts: now - 2000, metrics: { temperature_c: 92 } },
    ])
    const made = await eventually('two tickets', () => workOrders(first), (w) => w.length === 2)
    await eventually('a refused attempt', async () => receiver.attempts.length, (n) => n >= 1)
    await first.close()
    expect(receiver.delivered()).toEqual([])

    receiver.down = undefined
    const second = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET }, { dataDir })
    try {
      await eventually('both delivered', async () => receiver.delivered(), (d) => d.length === 2)
      await second.server.workOrders.whenIdle()
      await new Promise((r) => setTimeout(r, 1500))
      const delivered = receiver.delivered()
      expect(delivered.map((d) => d.id).sort()).toEqual(made.map((w) => w.id).sort())
      // The alerts are still open: the restart's reconcile knows they have their tickets.
      expect(await workOrders(second)).toHaveLength(2)
      // What went out after the restart is what was refused before it, byte for byte.
      for (const ok of receiver.attempts.filter((a) => a.status === 200)) {
        const before = receiver.attempts.find((a) => a.status === 503 && a.headers['idempotency-key'] === ok.headers['idempotency-key'])
        if (before) expect(ok.body).toBe(before.body)
      }
    } finally {
      await second.close()
    }
  })

  it('makes at start the ticket of an open critical alert that has none (an event missed)', async () => {
    // Work orders off: the alert opens and nobody makes its ticket, as if the process had died before.
    const first = await startTestServer({}, { dataDir })
    await setUpFleet(first)
    await send(first, [{ cameraId: 'n-2', ts: Date.now() - 1000, metrics: { temperature_c: 97 } }])
    await eventually('the alert', async () => ((await (await first.api('/api/v1/alerts?state=open')).json()) as { alerts: unknown[] }).alerts, (a) => a.length === 1)
    await first.server.workOrders.whenIdle()
    expect(await workOrders(first)).toEqual([])
    expect(await first.server.store.outbox.pendingCount()).toBe(0)
    await first.close()

    const second = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET }, { dataDir })
    try {
      const [ticket] = await eventually('the reconciled ticket', () => workOrders(second), (w) => w.length === 1)
      expect(ticket).toMatchObject({ cameraId: 'n-2', problem: 'temperature_c', origin: 'alert' })
      await eventually('its delivery', async () => receiver.delivered(), (d) => d.length === 1)
    } finally {
      await second.close()
    }
  })

  it('keeps a ticket queued while work orders are turned off, and delivers it once they are on again', async () => {
    receiver.down = 503
    const first = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET }, { dataDir })
    await setUpFleet(first)
    await send(first, [{ cameraId: 'n-1', ts: Date.now() - 1000, metrics: { temperature_c: 90 } }])
    const [made] = await eventually('a ticket', () => workOrders(first), (w) => w.length === 1)
    await eventually('a refused attempt', async () => receiver.attempts.length, (n) => n >= 1)
    await first.close()

    receiver.down = undefined
    const off = await startTestServer({}, { dataDir })
    await off.server.dispatcher.runOnce()
    await new Promise((r) => setTimeout(r, 1200))
    await off.server.dispatcher.runOnce()
    const held = (await (await off.api(`/api/v1/workorders/${made!.id}`)).json()) as WorkOrderView
    expect(held.delivery.state).toBe('pending')
    expect(await off.server.store.outbox.pendingCount()).toBe(1)
    await off.close()
    expect(receiver.delivered()).toEqual([])

    const on = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET }, { dataDir })
    try {
      const delivered = await eventually('the delivery', async () => receiver.delivered(), (d) => d.length === 1)
      expect(delivered[0]?.id).toBe(made!.id)
    } finally {
      await on.close()
    }
  })

  it('refuses to start with a work-order URL but no secret', async () => {
    const config = { ...loadConfig({ env: {} }), data: ':memory:', workorderUrl: receiver.url, logLevel: 'silent' }
    await expect(createServer(config)).rejects.toBeInstanceOf(ConfigError)
    expect(() => loadConfig({ env: { CAMTEL_WORKORDER_URL: 'ftp://x' } })).toThrow(/CAMTEL_WORKORDER_URL/)
    expect(loadConfig({ env: { CAMTEL_WORKORDER_URL: receiver.url, CAMTEL_WORKORDER_SECRET: 's' } })).toMatchObject({ workorderUrl: receiver.url, workorderSecret: 's' })
  })
})

describe('work orders from predictions', () => {
  const CAMERAS = ['north-cam-0', 'north-cam-1', 'north-cam-2', 'south-cam-0', 'south-cam-1', 'south-cam-2']
  let receiver: WorkOrderReceiver
  let t: TestServer

  beforeAll(async () => {
    receiver = new WorkOrderReceiver()
    await receiver.start()
    t = await startTestServer({ workorderUrl: receiver.url, workorderSecret: SECRET })
    for (const site of ['north', 'south']) await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site } })
    for (const id of CAMERAS) await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId: id.split('-')[0], model: 'M1', firmware: '1.0' } })
    // north-cam-0's card fills 1.5 %/day from day 5: a disk_full prediction is raised. History is
    // late, so no alert makes a ticket: only the prediction does.
    for (let d = 0; d < 10; d++) {
      const reports = []
      for (let h = d * 24; h < (d + 1) * 24; h++) {
        for (const [n, cameraId] of CAMERAS.entries()) {
          const m = healthy(n + 1, h)
          if (cameraId === 'north-cam-0' && h >= 5 * 24) m.disk_used_pct = 90 + (1.5 * (h - 5 * 24)) / 24
          reports.push({ cameraId, seq: h, ts: T0 + h * HOUR, metrics: m })
        }
      }
      expect((await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })).status).toBe(200)
    }
  })
  afterAll(async () => {
    await t.close()
    await receiver.stop()
  })

  it('makes one ticket for a raised prediction, with its risk, ETA and evidence', async () => {
    const raised = ((await (await t.api('/api/v1/predictions?minRisk=0.5')).json()) as { predictions: Array<{ cameraId: string; mode: string; risk: number }> }).predictions
    expect(raised.map((p) => `${p.cameraId}:${p.mode}`)).toEqual(['north-cam-0:disk_full'])
    const tickets = await eventually('the ticket', () => workOrders(t), (w) => w.length > 0)
    await t.server.workOrders.whenIdle()
    expect(await workOrders(t)).toHaveLength(1)
    expect(tickets[0]).toMatchObject({ cameraId: 'north-cam-0', siteId: 'north', problem: 'disk_full', severity: 'warning', origin: 'prediction', alertIds: [] })
    const [body] = await eventually('the delivery', async () => receiver.delivered(), (d) => d.length === 1)
    expect(body).toMatchObject({ id: tickets[0]!.id, problem: 'disk_full', severity: 'warning' })
    const context = body!.context as { prediction: { risk: number; eta: string; evidence: string[] }; camera: { model: string } }
    expect(context.prediction.risk).toBe(raised[0]!.risk)
    expect(context.prediction.eta).toMatch(/^2026-/)
    expect(context.prediction.evidence[0]).toMatch(/disk_used_pct rising/)
    expect(context.camera.model).toBe('M1')
    // A reconcile (as at start) finds the prediction has its ticket.
    await t.server.workOrders.reconcile()
    expect(await workOrders(t)).toHaveLength(1)
  })
})
