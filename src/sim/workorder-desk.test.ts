import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WorkOrderView } from '../protocol/workorders.js'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../server/test-support/test-server.js'
import { eventually } from '../workorders/test-support/receiver.js'
import { WorkOrderDesk } from './workorder-desk.js'

const hot = { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: 'all' }

describe("the demo's simulated work-order desk, against a real camtel", () => {
  let desk: WorkOrderDesk
  let t: TestServer

  beforeEach(async () => {
    desk = new WorkOrderDesk({ pace: { acknowledge: [50, 100], dispatch: [50, 100], checkEveryMs: 100 } })
    await desk.start()
    t = await startTestServer({ workorderUrl: desk.url, workorderSecret: desk.secret })
    desk.connect(t.url, ADMIN_TOKEN)
  })
  afterEach(async () => {
    await t.close()
    await desk.stop()
  })

  const send = async (temperature: number) => {
    const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'gate-1', ts: Date.now(), metrics: { temperature_c: temperature } }] } })
    expect(res.status).toBe(200)
  }
  const ticket = async () => ((await (await t.api('/api/v1/workorders')).json()) as { workOrders: WorkOrderView[] }).workOrders

  it('takes a ticket, acknowledges it with its own number, dispatches, and resolves it once the alert has', async () => {
    expect((await t.api('/api/v1/rules/hot', { method: 'PUT', json: hot })).status).toBe(201)
    await send(90)
    const [dispatched] = await eventually('dispatched', ticket, (w) => w[0]?.state === 'in_progress')
    expect(dispatched).toMatchObject({ externalId: 'WO-1001', note: 'Technician dispatched', delivery: { state: 'delivered' } })
    expect(desk.list()).toEqual([{ id: dispatched!.id, number: 'WO-1001', state: 'in_progress' }])
    // Still firing: the desk keeps it open.
    await new Promise((r) => setTimeout(r, 300))
    expect((await ticket())[0]?.state).toBe('in_progress')
    await send(60)
    const [resolved] = await eventually('resolved', ticket, (w) => w[0]?.state === 'resolved')
    expect(resolved).toMatchObject({ note: 'Fixed on site' })
    // The audit log shows who reported each step: the desk, through the public API.
    const audit = ((await (await t.api('/api/v1/audit?limit=100')).json()) as { entries: Array<{ action: string }> }).entries
    expect(audit.filter((e) => e.action === 'workorder.status')).toHaveLength(3)
  })

  it('refuses a ticket whose signature is wrong, and takes nothing from it', async () => {
    const body = JSON.stringify({ id: 'wo-forged', cameraId: 'gate-1' })
    const forged = await fetch(desk.url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-camtel-signature': `sha256=${'0'.repeat(64)}` } })
    expect(forged.status).toBe(401)
    const unsigned = await fetch(desk.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(unsigned.status).toBe(401)
    expect(desk.list()).toEqual([])
  })
})
