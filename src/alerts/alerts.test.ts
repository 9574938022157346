import { createHmac } from 'node:crypto'
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import { type TestServer, startTestServer } from '../server/test-support/test-server.js'
import type { DomainEvent } from '../stream/events.js'

const SECRET = 'webhook-secret'

/** A real HTTP receiver for the webhook, answering with the statuses it is told to. */
class Receiver {
  readonly received: Array<{ headers: IncomingHttpHeaders; body: string; json: { kind: string; id: string } & Record<string, unknown> }> = []
  statuses: number[] = []
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        const status = this.statuses.shift() ?? 200
        if (status === 200) this.received.push({ headers: req.headers, body, json: JSON.parse(body) })
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server?.address() as { port: number }).port}/hook`
  }

  kinds(): string[] {
    return this.received.map((r) => r.json.kind)
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r))
  }
}

let t: TestServer
let clock: ManualClock
let hook: Receiver
let events: DomainEvent[]

beforeEach(async () => {
  hook = new Receiver()
  await hook.start()
  clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
  t = await startTestServer({ notifyUrl: hook.url, notifySecret: SECRET, notifyGroupWait: 0, offlineAfter: 60 }, { clock })
  events = []
  t.server.events.subscribe((e) => events.push(...e))
  await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
  await t.api('/api/v1/sites/south', { method: 'PUT', json: { name: 'South' } })
})
afterEach(async () => {
  await t.close()
  await hook.stop()
})

async function send(reports: Array<{ cameraId: string; ts: number; metrics: Record<string, number | boolean> }>) {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  return res.json()
}

async function alerts(query = '') {
  return ((await (await t.api(`/api/v1/alerts${query}`)).json()) as { alerts: Array<Record<string, unknown>> }).alerts
}

async function status(cameraId: string) {
  return ((await (await t.api(`/api/v1/cameras/${cameraId}`)).json()) as { status: string }).status
}

async function deliver() {
  await t.server.dispatcher.runOnce()
}

const criticalTemp = { metric: 'temperature_c', op: '>', value: 80, for: 0, clear: 75, severity: 'critical', scope: { site: 'north' } }

describe('alerts', () => {
  it('opens one alert for a breach, holds it through hysteresis, resolves it, and the camera goes ok -> critical -> ok', async () => {
    await t.api('/api/v1/cameras/n-1', { method: 'PUT', json: { siteId: 'north' } })
    expect((await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })).status).toBe(201)
    const t0 = clock.now() - 100_000
    await send([{ cameraId: 'n-1', ts: t0, metrics: { temperature_c: 50 } }])
    expect(await status('n-1')).toBe('ok')
    await send([{ cameraId: 'n-1', ts: t0 + 10_000, metrics: { temperature_c: 85 } }])
    await deliver()
    await send([{ cameraId: 'n-1', ts: t0 + 20_000, metrics: { temperature_c: 90 } }])
    await send([{ cameraId: 'n-1', ts: t0 + 30_000, metrics: { temperature_c: 77 } }]) // between clear and value: still open
    // The default temperature-critical rule needs 60 s; only 'hot' has fired.
    let list = await alerts('?camera=n-1')
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ ruleId: 'hot', cameraId: 'n-1', siteId: 'north', severity: 'critical', state: 'firing', silenced: false, late: false, value: 77, openedAt: new Date(t0 + 10_000).toISOString() })
    expect(await status('n-1')).toBe('critical')
    const drill = (await (await t.api('/api/v1/cameras/n-1')).json()) as { alerts: unknown[] }
    expect(drill.alerts).toHaveLength(1)

    await send([{ cameraId: 'n-1', ts: t0 + 40_000, metrics: { temperature_c: 74.5 } }])
    list = await alerts('?camera=n-1')
    expect(list[0]).toMatchObject({ state: 'resolved', resolvedAt: new Date(t0 + 40_000).toISOString(), value: 74.5 })
    expect(await status('n-1')).toBe('ok')
    expect(await alerts('?state=open')).toEqual([])

    await t.server.events.settled()
    const alertEvents = events.filter((e) => e.topic === 'alert').map((e) => (e.data as { state: string }).state)
    expect(alertEvents).toEqual(['firing', 'resolved'])
    const statusEvents = events.filter((e) => e.topic === 'status' && e.cameraId === 'n-1').map((e) => (e.data as { status: string }).status)
    expect(statusEvents).toEqual(['ok', 'critical', 'ok'])

    await deliver()
    expect(hook.kinds()).toEqual(['alert.opened', 'alert.resolved'])
    const first = hook.received[0]!
    expect(first.headers['x-camtel-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(first.body).digest('hex')}`)
    expect(first.headers['idempotency-key']).toBe(first.json.id)
  })

  it('opens a `for: 60` alert only after 60 s of data time, also from one batch of history', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: { ...criticalTemp, for: 60 } })
    const t0 = clock.now() - 3600_000
    const history = Array.from({ length: 10 }, (_, i) => ({ cameraId: 'n-2', ts: t0 + i * 10_000, metrics: { temperature_c: 85 } }))
    await t.api('/api/v1/cameras/n-2', { method: 'PUT', json: { siteId: 'north' } })
    await send(history.slice(0, 6)) // 0..50 s: not yet
    expect(await alerts()).toEqual([])
    await send(history.slice(6)) // 60 s reached at the 7th report
    // The default temperature-critical rule (> 80 for 60 s) fires beside the test's own.
    const list = (await alerts()).filter((a) => a.ruleId === 'hot')
    expect((await alerts()).map((a) => a.ruleId).sort()).toEqual(['hot', 'temperature-critical'])
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ openedAt: new Date(t0 + 60_000).toISOString(), late: true })
    // Late alerts are history: nobody is paged for them.
    await deliver()
    expect(hook.kinds()).toEqual([])
  })

  it('turns a silent camera offline with an alert, and ok again when it reports', async () => {
    await send([{ cameraId: 'quiet', ts: clock.now(), metrics: { fps: 25 } }])
    clock.advance(61_000)
    t.server.fleet.checkNow()
    await new Promise((r) => setTimeout(r, 50))
    expect(await status('quiet')).toBe('offline')
    const [offline] = await alerts('?camera=quiet')
    expect(offline).toMatchObject({ ruleId: 'offline', state: 'firing', severity: 'critical' })
    await send([{ cameraId: 'quiet', ts: clock.now(), metrics: { fps: 25 } }])
    await new Promise((r) => setTimeout(r, 50))
    expect(await status('quiet')).toBe('ok')
    expect((await alerts('?camera=quiet'))[0]).toMatchObject({ state: 'resolved' })
  })

  it('records silenced alerts, marks them, and sends the webhook nothing for them', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await t.api('/api/v1/cameras/n-3', { method: 'PUT', json: { siteId: 'north' } })
    const res = await t.api('/api/v1/silences', { method: 'POST', json: { scope: { site: 'north' }, from: clock.now() - 60_000, to: new Date(clock.now() + 3600_000).toISOString(), reason: 'replacing the PoE switch' } })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ active: true, reason: 'replacing the PoE switch' })
    await send([{ cameraId: 'n-3', ts: clock.now(), metrics: { temperature_c: 95 } }])
    expect((await alerts())[0]).toMatchObject({ silenced: true, state: 'firing' })
    expect(await status('n-3')).toBe('critical')
    await send([{ cameraId: 'n-3', ts: clock.now() + 1000, metrics: { temperature_c: 20 } }])
    await deliver()
    expect(hook.received).toEqual([])

    const silences = ((await (await t.api('/api/v1/silences')).json()) as { silences: Array<{ id: number }> }).silences
    expect((await t.api(`/api/v1/silences/${silences[0]!.id}`, { method: 'DELETE' })).status).toBe(204)
    await send([{ cameraId: 'n-3', ts: clock.now() + 2000, metrics: { temperature_c: 95 } }])
    expect((await alerts('?state=open'))[0]).toMatchObject({ silenced: false })
    await deliver()
    expect(hook.kinds()).toEqual(['alert.opened'])
  })

  it('groups thirty cameras of one site going offline together into one incident and one notification', async () => {
    const reports = Array.from({ length: 30 }, (_, i) => ({ cameraId: `s-${i}`, ts: clock.now(), metrics: { fps: 25 } }))
    for (const r of reports) await t.api(`/api/v1/cameras/${r.cameraId}`, { method: 'PUT', json: { siteId: 'south' } })
    await send(reports)
    clock.advance(61_000)
    t.server.fleet.checkNow()
    await new Promise((r) => setTimeout(r, 100))
    const incidents = ((await (await t.api('/api/v1/incidents')).json()) as { incidents: Array<{ siteId: string; ruleId: string; cameras: string[]; state: string }> }).incidents
    expect(incidents).toHaveLength(1)
    expect(incidents[0]).toMatchObject({ siteId: 'south', ruleId: 'offline', state: 'open' })
    expect(incidents[0]!.cameras).toHaveLength(30)
    // The incident's event when it opened, then one more within a second with every member
    // (not one per camera that joined: each carries the whole list).
    await new Promise((r) => setTimeout(r, 1200))
    await t.server.events.settled()
    const incidentEvents = events.filter((e) => e.topic === 'incident') as Array<{ data: { cameras: string[]; state: string } }>
    expect(incidentEvents.length).toBeGreaterThanOrEqual(1)
    expect(incidentEvents.length).toBeLessThanOrEqual(2)
    expect(incidentEvents.at(-1)!.data).toMatchObject({ state: 'open' })
    expect(incidentEvents.at(-1)!.data.cameras).toHaveLength(30)
    await deliver()
    expect(hook.kinds()).toEqual(['incident.opened'])
  })

  it('keeps a camera critical across a restart while its critical alert is open', async () => {
    await t.api('/api/v1/cameras/n-9', { method: 'PUT', json: { siteId: 'north' } })
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await send([{ cameraId: 'n-9', ts: clock.now(), metrics: { temperature_c: 95 } }])
    expect(await status('n-9')).toBe('critical')
    const dataDir = t.dataDir
    await t.server.close()
    t = await startTestServer({ offlineAfter: 60 }, { clock, dataDir })
    expect(await status('n-9')).toBe('critical')
    expect((await t.api('/api/v1/fleet/summary').then((r) => r.json())) as unknown).toMatchObject({ byStatus: { critical: 1 } })
  })

  it('acknowledges an alert with who and a note', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await t.api('/api/v1/cameras/n-4', { method: 'PUT', json: { siteId: 'north' } })
    await send([{ cameraId: 'n-4', ts: clock.now(), metrics: { temperature_c: 95 } }])
    const [alert] = await alerts()
    const res = await t.api(`/api/v1/alerts/${alert!.id}/ack`, { method: 'POST', json: { note: 'technician on the way' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ state: 'acknowledged', ack: { by: 'token:CAMTEL_ADMIN_TOKEN', note: 'technician on the way' } })
    expect(await status('n-4')).toBe('critical')
    expect((await t.api('/api/v1/alerts/999999/ack', { method: 'POST', json: {} })).status).toBe(404)
  })

  it('acknowledges with no body at all, or an empty JSON one, since the note is optional', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    for (const id of ['n-5', 'n-6']) await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId: 'north' } })
    await send(['n-5', 'n-6'].map((cameraId) => ({ cameraId, ts: clock.now(), metrics: { temperature_c: 95 } })))
    const byCamera = new Map((await alerts()).map((a) => [a.cameraId, a.id]))
    const bare = await t.api(`/api/v1/alerts/${byCamera.get('n-5')}/ack`, { method: 'POST' })
    expect(bare.status).toBe(200)
    expect(await bare.json()).toMatchObject({ state: 'acknowledged', ack: { note: null } })
    const empty = await t.api(`/api/v1/alerts/${byCamera.get('n-6')}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' })
    expect(empty.status).toBe(200)
    // A body that is there must still be right.
    for (const body of ['{"note":', '[]', '{"note":5}', '{"extra":1}']) {
      const res = await t.api(`/api/v1/alerts/${byCamera.get('n-6')}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(res.status, body).toBe(400)
    }
    // Routes that need a body still say so.
    const rule = await t.api('/api/v1/rules/x', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '' })
    expect(rule.status).toBe(400)
    expect(((await rule.json()) as { error: { code: string } }).error.code).toBe('invalid_request')
  })

  it('refuses bad rules with 400 and a site-limited operator wider rules with 403', async () => {
    const bad = [
      { ...criticalTemp, op: '=~' },
      { ...criticalTemp, clear: 90 },
      { ...criticalTemp, metric: 'Temp!' },
      { ...criticalTemp, severity: 'panic' },
      { ...criticalTemp, for: -5 },
      { ...criticalTemp, scope: { building: 'a' } },
      { ...criticalTemp, extra: true },
    ]
    for (const body of bad) expect((await t.api('/api/v1/rules/x', { method: 'PUT', json: body })).status, JSON.stringify(body)).toBe(400)
    const tok = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'op', role: 'operator', sites: ['north'] } })
    const operator = ((await tok.json()) as { token: string }).token
    expect((await t.api('/api/v1/rules/x', { method: 'PUT', token: operator, json: { ...criticalTemp, scope: 'all' } })).status).toBe(403)
    expect((await t.api('/api/v1/rules/x', { method: 'PUT', token: operator, json: { ...criticalTemp, scope: { site: 'south' } } })).status).toBe(403)
    expect((await t.api('/api/v1/rules/x', { method: 'PUT', token: operator, json: { ...criticalTemp, scope: { tag: 'outdoor' } } })).status).toBe(403)
    expect((await t.api('/api/v1/rules/x', { method: 'PUT', token: operator, json: criticalTemp })).status).toBe(201)
    expect((await t.api('/api/v1/silences', { method: 'POST', token: operator, json: { scope: 'all', from: 0, to: clock.now(), reason: 'x' } })).status).toBe(403)
    // Built-in rules apply to every site: a site-limited operator cannot change them.
    expect((await t.api('/api/v1/rules/offline', { method: 'DELETE', token: operator })).status).toBe(403)
    const rules = ((await (await t.api('/api/v1/rules')).json()) as { rules: Array<{ id: string }> }).rules.map((r) => r.id)
    expect(rules).toEqual(expect.arrayContaining(['offline', 'temperature-high', 'fps-stalled', 'x']))
  })
})

describe('the webhook', () => {
  it('retries until delivered, with the same id, and keeps the message across a restart', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    // Silent for the hour the clock jumps below without going offline, whose alert would notify too.
    await t.api('/api/v1/cameras/n-5', { method: 'PUT', json: { siteId: 'north', offlineAfter: 86_400 } })
    hook.statuses = [500, 503]
    await send([{ cameraId: 'n-5', ts: clock.now(), metrics: { temperature_c: 95 } }])
    await deliver()
    expect(hook.received).toEqual([])
    clock.advance(10 * 60_000)
    await deliver() // second failure
    expect(hook.received).toEqual([])
    // Restart on the same data: the message is still queued.
    const dataDir = t.dataDir
    await t.server.close()
    t = await startTestServer({ notifyUrl: hook.url, notifySecret: SECRET, notifyGroupWait: 0 }, { clock, dataDir })
    clock.advance(60 * 60_000)
    await deliver()
    expect(hook.kinds()).toEqual(['alert.opened'])
    await deliver()
    expect(hook.received).toHaveLength(1)
  })
})

describe('a changed rule', () => {
  it('counts its `for` afresh from the next report', async () => {
    const rule = { ...criticalTemp, value: 90, clear: 85, for: 60 }
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: rule })
    await t.api('/api/v1/cameras/n-7', { method: 'PUT', json: { siteId: 'north', offlineAfter: 86_400 } })
    const t0 = clock.now() - 200_000
    const at = (s: number) => [{ cameraId: 'n-7', ts: t0 + s * 1000, metrics: { temperature_c: 95 } }]
    await send(at(0))
    await send(at(30))
    expect((await t.api('/api/v1/rules/hot', { method: 'PUT', json: { ...rule, value: 91 } })).status).toBe(200)
    await send(at(60)) // 60 s since the breach began, but the changed rule started counting here
    await send(at(90))
    expect((await alerts('?camera=n-7')).filter((a) => a.ruleId === 'hot')).toEqual([])
    await send(at(120))
    expect((await alerts('?camera=n-7')).filter((a) => a.ruleId === 'hot')).toMatchObject([{ openedAt: new Date(t0 + 120_000).toISOString() }])
  })
})

describe('a restart', () => {
  it('keeps an open alert with its latest value and its hysteresis', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await t.api('/api/v1/cameras/n-6', { method: 'PUT', json: { siteId: 'north', offlineAfter: 86_400 } })
    const t0 = clock.now() - 30_000
    await send([{ cameraId: 'n-6', ts: t0, metrics: { temperature_c: 85 } }])
    await send([{ cameraId: 'n-6', ts: t0 + 10_000, metrics: { temperature_c: 88.5 } }])
    expect(await alerts('?camera=n-6')).toMatchObject([{ ruleId: 'hot', state: 'firing', value: 88.5 }])
    const dataDir = t.dataDir
    await t.server.close()
    t = await startTestServer({ notifyUrl: hook.url, notifySecret: SECRET, notifyGroupWait: 0 }, { clock, dataDir })
    expect(await alerts('?camera=n-6')).toMatchObject([{ ruleId: 'hot', state: 'firing', value: 88.5 }])
    expect(await status('n-6')).toBe('critical')
    await send([{ cameraId: 'n-6', ts: t0 + 20_000, metrics: { temperature_c: 76 } }]) // not past clear
    expect(await alerts('?camera=n-6')).toMatchObject([{ state: 'firing', value: 76 }])
    await send([{ cameraId: 'n-6', ts: t0 + 30_000, metrics: { temperature_c: 74 } }])
    expect(await alerts('?camera=n-6')).toMatchObject([{ state: 'resolved', value: 74, resolvedAt: new Date(t0 + 30_000).toISOString() }])
  })
})

describe('a camera that moves', () => {
  it('meets the rules of its new site and tags from its next report', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await t.api('/api/v1/rules/hot-roof', { method: 'PUT', json: { ...criticalTemp, scope: { tag: 'roof' } } })
    const camera = (json: Record<string, unknown>) => t.api('/api/v1/cameras/w-1', { method: 'PUT', json: { offlineAfter: 86_400, ...json } })
    await camera({ siteId: 'south' })
    const t0 = clock.now() - 30_000
    // 20 s of 95 °C: short of the default temperature rules' `for`, so only the test's rules fire.
    await send([{ cameraId: 'w-1', ts: t0, metrics: { temperature_c: 95 } }])
    expect(await alerts('?camera=w-1')).toEqual([])
    await camera({ siteId: 'north' })
    await send([{ cameraId: 'w-1', ts: t0 + 10_000, metrics: { temperature_c: 95 } }])
    expect((await alerts('?camera=w-1')).map((a) => a.ruleId)).toEqual(['hot'])
    await camera({ siteId: 'north', tags: ['roof'] })
    await send([{ cameraId: 'w-1', ts: t0 + 20_000, metrics: { temperature_c: 95 } }])
    expect((await alerts('?camera=w-1')).map((a) => a.ruleId).sort()).toEqual(['hot', 'hot-roof'])
  })

  it('takes its open alerts to its new site', async () => {
    await send([{ cameraId: 'mover', ts: clock.now(), metrics: { temperature_c: 99 } }])
    await t.api('/api/v1/rules/hot-all', { method: 'PUT', json: { ...criticalTemp, scope: 'all' } })
    await send([{ cameraId: 'mover', ts: clock.now() + 1000, metrics: { temperature_c: 99 } }])
    expect((await alerts('?camera=mover'))[0]).toMatchObject({ siteId: 'unassigned' })
    await t.api('/api/v1/cameras/mover', { method: 'PUT', json: { siteId: 'north' } })
    expect((await alerts('?site=north'))[0]).toMatchObject({ cameraId: 'mover', siteId: 'north' })
  })
})

describe('a backlog older than the live state', () => {
  it('runs through its own state, late, ends when idle, and a later backlog starts afresh', async () => {
    await t.api('/api/v1/rules/hot', { method: 'PUT', json: criticalTemp })
    await t.api('/api/v1/cameras/n-7', { method: 'PUT', json: { siteId: 'north', offlineAfter: 86_400 } })
    await send([{ cameraId: 'n-7', ts: clock.now(), metrics: { temperature_c: 70 } }])
    const t0 = clock.now() - 3600_000
    const backlog = (i: number, temperature_c: number) => ({ cameraId: 'n-7', ts: t0 + i * 10_000, metrics: { temperature_c } })
    const hot = async () => (await alerts('?camera=n-7')).filter((a) => a.ruleId === 'hot').sort((a, b) => String(a.openedAt).localeCompare(String(b.openedAt)))
    // Opens and resolves in data time, within one batch and across batches.
    await send([backlog(0, 85), backlog(1, 85), backlog(2, 70)])
    await send([backlog(3, 85)])
    let list = await hot()
    expect(list).toHaveLength(2)
    expect(list[0]).toMatchObject({ late: true, state: 'resolved', openedAt: new Date(t0).toISOString(), resolvedAt: new Date(t0 + 20_000).toISOString() })
    expect(list[1]).toMatchObject({ late: true, state: 'firing', openedAt: new Date(t0 + 30_000).toISOString() })
    // The live state is untouched: the present is 70.
    expect(await status('n-7')).toBe('ok')

    // Idle for longer than a backlog lasts: it is over, and its open alert ends at its last data time.
    clock.advance(121_000)
    await t.server.alerts.finishIdleBacklogs(120_000)
    list = await hot()
    expect(list[1]).toMatchObject({ state: 'resolved', resolvedAt: new Date(t0 + 30_000).toISOString() })

    // A backlog after that one starts from a fresh state: a breach opens a new alert.
    await send([backlog(4, 85)])
    list = await hot()
    expect(list).toHaveLength(3)
    expect(list[2]).toMatchObject({ late: true, state: 'firing', openedAt: new Date(t0 + 40_000).toISOString() })
  })
})
