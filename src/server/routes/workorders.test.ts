import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CamtelClient } from '../../client/index.js'
import type { WorkOrderView } from '../../protocol/workorders.js'
import type { StoredEvent } from '../../stream/index.js'
import { WorkOrderReceiver, eventually } from '../../workorders/test-support/receiver.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const hot = { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: 'all' }

describe('POST /api/v1/workorders/:id/status', () => {
  let receiver: WorkOrderReceiver
  let t: TestServer
  const events: StoredEvent[] = []
  const tokens = { operator: '', northOperator: '', viewer: '', northViewer: '' }
  let north: WorkOrderView
  let south: WorkOrderView

  async function token(name: string, role: string, sites?: string[]): Promise<string> {
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name, role, ...(sites ? { sites } : {}) } })
    expect(res.status).toBe(201)
    return ((await res.json()) as { token: string }).token
  }

  async function alertsOf(cameraId: string) {
    return ((await (await t.api(`/api/v1/alerts?camera=${cameraId}`)).json()) as { alerts: Array<{ id: number; state: string; workOrder?: { id: string; state: string; externalId: string | null; url: string | null } }> }).alerts
  }

  const status = (id: string, body: unknown, tok?: string | null) =>
    t.api(`/api/v1/workorders/${id}/status`, { method: 'POST', json: body, ...(tok !== undefined ? { token: tok } : {}) })

  beforeAll(async () => {
    receiver = new WorkOrderReceiver()
    await receiver.start()
    t = await startTestServer({ workorderUrl: receiver.url, workorderSecret: 'secret' })
    t.server.events.subscribe((batch) => events.push(...batch))
    for (const site of ['north', 'south']) await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site } })
    for (const [id, siteId] of [['n-1', 'north'], ['s-1', 'south']]) await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId } })
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: hot })
    await t.api('/api/v1/telemetry', {
      method: 'POST',
      json: {
        reports: [
          { cameraId: 'n-1', ts: Date.now() - 5000, metrics: { temperature_c: 90 } },
          { cameraId: 's-1', ts: Date.now() - 5000, metrics: { temperature_c: 90 } },
        ],
      },
    })
    const list = await eventually(
      'two tickets',
      async () => ((await (await t.api('/api/v1/workorders')).json()) as { workOrders: WorkOrderView[] }).workOrders,
      (w) => w.length === 2,
    )
    north = list.find((w) => w.cameraId === 'n-1') as WorkOrderView
    south = list.find((w) => w.cameraId === 's-1') as WorkOrderView
    tokens.operator = await token('wo system', 'operator')
    tokens.northOperator = await token('north wo system', 'operator', ['north'])
    tokens.viewer = await token('viewer', 'viewer')
    tokens.northViewer = await token('north viewer', 'viewer', ['north'])
  })
  afterAll(async () => {
    await t.close()
    await receiver.stop()
  })

  it('takes progress from an operator token: answers the ticket, publishes it, the alert shows it, and it is audited', async () => {
    const res = await status(north.id, { state: 'in_progress', note: 'technician dispatched', externalId: 'INC-4711', url: 'https://wo.example/INC-4711' }, tokens.operator)
    expect(res.status).toBe(200)
    const answer = (await res.json()) as WorkOrderView
    expect(answer).toMatchObject({ id: north.id, state: 'in_progress', note: 'technician dispatched', externalId: 'INC-4711', url: 'https://wo.example/INC-4711', closedAt: null })

    const [alert] = await alertsOf('n-1')
    expect(alert?.workOrder).toMatchObject({ id: north.id, state: 'in_progress', externalId: 'INC-4711', url: 'https://wo.example/INC-4711' })
    const one = (await (await t.api(`/api/v1/alerts/${alert!.id}`)).json()) as { workOrder?: { state: string } }
    expect(one.workOrder?.state).toBe('in_progress')

    await t.server.events.settled()
    const published = events.filter((e) => e.topic === 'workorder' && (e.data as { id: string }).id === north.id).map((e) => e.data)
    expect(published).toEqual([
      { id: north.id, problem: 'temperature_c', state: 'open' },
      { id: north.id, problem: 'temperature_c', state: 'in_progress' },
    ])
    expect(events.find((e) => e.topic === 'workorder' && (e.data as { state: string }).state === 'in_progress')).toMatchObject({ cameraId: 'n-1', siteId: 'north' })

    const audit = (await (await t.api('/api/v1/audit?action=workorder.status')).json()) as { entries: Array<{ actor: string; target: string; detail: Record<string, unknown> }> }
    expect(audit.entries[0]).toMatchObject({ actor: 'token:wo system', target: `workorder:${north.id}`, detail: { from: 'open', state: 'in_progress', externalId: 'INC-4711' } })

    // Fields not sent are kept; a final state closes the ticket.
    const done = (await (await status(north.id, { state: 'resolved' }, tokens.operator)).json()) as WorkOrderView
    expect(done).toMatchObject({ state: 'resolved', externalId: 'INC-4711', note: 'technician dispatched' })
    expect(done.closedAt).not.toBeNull()
    expect((await alertsOf('n-1'))[0]?.workOrder?.state).toBe('resolved')
  })

  it('answers 400 to a bad body, 401 without credentials, 403 to a viewer, 404 to an unknown or foreign ticket', async () => {
    for (const body of [{}, { state: 'done' }, { state: 'open', extra: 1 }, { state: 'open', note: 5 }, { state: 'open', url: 'javascript:alert(1)' }, []]) {
      const res = await status(south.id, body, tokens.operator)
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
    const empty = await t.api(`/api/v1/workorders/${south.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '', token: tokens.operator })
    expect(empty.status).toBe(400)
    expect((await status(south.id, { state: 'acknowledged' }, null)).status).toBe(401)
    const viewer = await status(south.id, { state: 'acknowledged' }, tokens.viewer)
    expect(viewer.status).toBe(403)
    expect((await status('wo-nope', { state: 'acknowledged' }, tokens.operator)).status).toBe(404)
    // A site-limited token sees no ticket of another site, as if it did not exist.
    expect((await status(south.id, { state: 'acknowledged' }, tokens.northOperator)).status).toBe(404)
    expect((await t.api(`/api/v1/workorders/${south.id}`, { token: tokens.northViewer })).status).toBe(404)
    // None of these changed it.
    expect(((await (await t.api(`/api/v1/workorders/${south.id}`)).json()) as WorkOrderView).state).toBe('open')
    expect((await status(south.id, { state: 'acknowledged' }, tokens.northOperator.replace(/.$/, 'x'))).status).toBe(401)
  })

  it('lists tickets filtered by the caller’s sites and the query', async () => {
    const list = async (query: string, tok?: string) =>
      ((await (await t.api(`/api/v1/workorders${query}`, tok ? { token: tok } : {})).json()) as { workOrders: WorkOrderView[] }).workOrders.map((w) => w.cameraId)
    expect(await list('', tokens.northViewer)).toEqual(['n-1'])
    expect(await list('?site=south', tokens.northViewer)).toEqual([])
    expect((await list('?site=south')).sort()).toEqual(['s-1'])
    expect(await list('?camera=s-1&active=true')).toEqual(['s-1'])
    expect(await list('?active=false')).toEqual(['n-1'])
    expect(await list('?state=resolved&problem=temperature_c')).toEqual(['n-1'])
    expect((await t.api('/api/v1/workorders?state=bogus')).status).toBe(400)
  })

  it('is read and reported to through the typed client', async () => {
    const client = new CamtelClient({ baseUrl: t.url, token: tokens.operator })
    const active = await client.workOrders({ active: true, site: 'south' })
    expect(active.map((w) => w.id)).toEqual([south.id])
    expect((await client.workOrder(south.id)).context).toMatchObject({ camera: { id: 's-1' }, alert: { ruleId: 'hot' } })
    expect(await client.reportWorkOrderStatus(south.id, { state: 'acknowledged', externalId: 'INC-9' })).toMatchObject({ state: 'acknowledged', externalId: 'INC-9' })
    await expect(client.reportWorkOrderStatus('wo-nope', { state: 'closed' })).rejects.toMatchObject({ status: 404 })
  })

  it('makes a new ticket for a new alert once the last one is closed, and will not reopen the closed one then', async () => {
    // n-1's ticket was resolved; its alert resolves and a new one opens.
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'n-1', ts: Date.now() - 3000, metrics: { temperature_c: 50 } }] } })
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'n-1', ts: Date.now() - 2000, metrics: { temperature_c: 93 } }] } })
    const tickets = await eventually(
      'a second ticket for n-1',
      async () => ((await (await t.api('/api/v1/workorders?camera=n-1')).json()) as { workOrders: WorkOrderView[] }).workOrders,
      (w) => w.length === 2,
    )
    expect(tickets[0]).toMatchObject({ state: 'open', problem: 'temperature_c' })
    expect(tickets[0]?.id).not.toBe(north.id)
    const reopen = await status(north.id, { state: 'in_progress' }, tokens.operator)
    expect(reopen.status).toBe(409)
    expect(((await reopen.json()) as { error: { code: string } }).error.code).toBe('workorder_superseded')
    // Closing the closed one again is fine: resolved -> closed.
    expect((await status(north.id, { state: 'closed' }, tokens.operator)).status).toBe(200)
  })
})
