import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertData, EventMessage, StatusData } from '../../protocol/stream.js'
import { newest, seedSites, send } from '../test-support/stream-fixtures.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'
import { TestConsole } from '../test-support/ws-console.js'

let t: TestServer
const consoles: TestConsole[] = []

beforeEach(async () => {
  t = await startTestServer()
  await seedSites(t)
})
afterEach(async () => {
  for (const c of consoles.splice(0)) c.close()
  await t.close()
})

/** A console subscribed to alerts and statuses from now on (`since` = the newest id, then `replayed`). */
async function alertConsole(token?: string): Promise<TestConsole> {
  const c = await TestConsole.open(t, { token })
  consoles.push(c)
  const since = await newest(t)
  c.send({ type: 'subscribe', topics: ['alert', 'status'], since })
  await c.until(() => c.messages.some((m) => m.type === 'replayed' && m.id === since), `replayed ${since}`)
  return c
}

/** One event as a short line: `status n-1 unknown>ok`, `alert n-1 hot firing 85`. */
function line(e: EventMessage): string {
  if (e.topic === 'status') {
    const d = e.data as StatusData
    return `status ${e.cameraId} ${d.previous}>${d.status}`
  }
  const d = e.data as AlertData
  return `alert ${e.cameraId} ${d.ruleId} ${d.state} ${d.value}`
}

async function openAlerts(cameraId: string): Promise<AlertData[]> {
  const res = await t.api(`/api/v1/alerts?camera=${cameraId}&state=open`)
  return ((await res.json()) as { alerts: AlertData[] }).alerts
}

describe('alerts on the stream', () => {
  it('shows a breach as one alert and the status going ok -> critical -> ok, through hysteresis, to its own sites only', async () => {
    const rule = { metric: 'temperature_c', op: '>', value: 80, clear: 75, for: 0, severity: 'critical', scope: { site: 'north' } }
    expect((await t.api('/api/v1/rules/hot', { method: 'PUT', json: rule })).status).toBe(201)
    const tokenRes = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'south-viewer', role: 'viewer', sites: ['south'] } })
    expect(tokenRes.status).toBe(201)
    const viewerToken = ((await tokenRes.json()) as { token: string }).token
    const operator = await alertConsole()
    const southViewer = await alertConsole(viewerToken)

    // Data time a minute back, 10 s apart: neither late nor in the future, and the breach is
    // shorter than the default temperature-critical rule's 60 s, so only `hot` fires.
    const t0 = Date.now() - 60_000
    let seq = 0
    const reading = (temperature_c: number) => ({ cameraId: 'n-1', seq: ++seq, ts: t0 + seq * 10_000, metrics: { temperature_c } })
    await send(t, [reading(50)])
    await send(t, [reading(85)]) // breach: opens
    await operator.until(() => operator.events().some((e) => e.topic === 'status' && (e.data as StatusData).status === 'critical'), 'critical')
    const [opened] = await openAlerts('n-1')
    expect(opened).toMatchObject({ ruleId: 'hot', state: 'firing', value: 85 })

    await send(t, [reading(90)]) // still breaching: the same alert
    await send(t, [reading(77)]) // below the threshold, not past clear: still open
    expect(await openAlerts('n-1')).toEqual([{ ...opened, value: 77 }])
    const resolvedAt = t0 + (seq + 1) * 10_000
    await send(t, [reading(74.5)]) // past clear: resolves

    // A report from the viewer's own site: once it has that, it would have had the rest too.
    await send(t, [{ cameraId: 's-1', seq: 1, ts: Date.now() - 1000, metrics: { temperature_c: 30 } }])
    for (const c of [operator, southViewer]) await c.until(() => c.events().some((e) => e.cameraId === 's-1'), 'the south camera')

    expect(operator.events().map(line)).toEqual([
      'status n-1 unknown>ok',
      'alert n-1 hot firing 85',
      'status n-1 ok>critical',
      'alert n-1 hot resolved 74.5',
      'status n-1 critical>ok',
      'status s-1 unknown>ok',
    ])
    const alertEvents = operator.events().filter((e) => e.topic === 'alert')
    expect(alertEvents.map((e) => (e.data as AlertData).id)).toEqual([opened!.id, opened!.id])
    expect(alertEvents[0]).toMatchObject({ cameraId: 'n-1', siteId: 'north', data: { ...opened, value: 85 } })
    expect(alertEvents[1]).toMatchObject({ siteId: 'north', data: { id: opened!.id, state: 'resolved', resolvedAt: new Date(resolvedAt).toISOString() } })
    expect(southViewer.events().map(line)).toEqual(['status s-1 unknown>ok'])
  })
})
