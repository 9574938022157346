import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/clock.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

let t: TestServer
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
  t = await startTestServer({ offlineAfter: 60 }, { clock })
})
afterEach(async () => {
  await t.close()
})

async function put(path: string, json: unknown) {
  return t.api(path, { method: 'PUT', json })
}

async function send(reports: unknown[]) {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  return res.json()
}

async function seed() {
  expect((await put('/api/v1/sites/north', { name: 'North depot', lat: 52.37, lon: 4.89, timezone: 'Europe/Amsterdam', uplinkMbps: 200 })).status).toBe(201)
  expect((await put('/api/v1/sites/south', { name: 'South mall', lat: 51.92, lon: 4.47 })).status).toBe(201)
  for (let i = 1; i <= 5; i++) {
    const res = await put(`/api/v1/cameras/n-${i}`, { name: `North gate ${i}`, siteId: 'north', lat: 52.37 + i / 1000, lon: 4.89, model: 'Axis Q1656', tags: ['outdoor', 'switch:north-sw-1'] })
    expect(res.status).toBe(201)
  }
  await put('/api/v1/cameras/s-1', { name: 'Mall entrance', siteId: 'south', offlineAfter: 30 })
}

describe('fleet registry', () => {
  it('creates, updates and reads sites and cameras', async () => {
    await seed()
    const update = await put('/api/v1/sites/north', { name: 'North depot (new)', lat: 52.37, lon: 4.89 })
    expect(update.status).toBe(200)
    expect(await update.json()).toMatchObject({ id: 'north', name: 'North depot (new)', timezone: null })
    const cam = await (await t.api('/api/v1/cameras/n-1')).json()
    expect(cam).toMatchObject({ id: 'n-1', name: 'North gate 1', siteId: 'north', model: 'Axis Q1656', tags: ['outdoor', 'switch:north-sw-1'], status: 'unknown', lastSeen: null, metrics: {} })
  })

  it('refuses bad registry input with 400 and changes nothing', async () => {
    await seed()
    const cases: Array<[string, unknown]> = [
      ['/api/v1/cameras/x-1', { siteId: 'nowhere' }],
      ['/api/v1/cameras/x-1', { siteId: 'north', lat: 91 }],
      ['/api/v1/cameras/x-1', { siteId: 'north', colour: 'red' }],
      ['/api/v1/cameras/x-1', { siteId: 'north', tags: 'outdoor' }],
      ['/api/v1/cameras/bad%20id', { siteId: 'north' }],
      ['/api/v1/sites/s2', { name: 'x', timezone: 'Mars/Olympus' }],
      ['/api/v1/sites/s2', { lat: 1 }],
    ]
    for (const [path, body] of cases) {
      const res = await put(path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy()
    }
    expect((await t.api('/api/v1/cameras/x-1')).status).toBe(404)
    expect((await t.api('/api/v1/sites/s2')).status).toBe(404)
  })

  it('lists cameras with filters and cursor paging', async () => {
    await seed()
    await send([{ cameraId: 'n-1', ts: clock.now(), metrics: { fps: 25 } }])
    const all = (await (await t.api('/api/v1/cameras')).json()) as { cameras: Array<{ id: string; status: string }>; next?: string }
    expect(all.cameras.map((c) => c.id)).toEqual(['n-1', 'n-2', 'n-3', 'n-4', 'n-5', 's-1'])
    expect(all.next).toBeUndefined()
    const south = (await (await t.api('/api/v1/cameras?site=south')).json()) as { cameras: Array<{ id: string }> }
    expect(south.cameras.map((c) => c.id)).toEqual(['s-1'])
    const ok = (await (await t.api('/api/v1/cameras?status=ok')).json()) as { cameras: Array<{ id: string; metrics: unknown }> }
    expect(ok.cameras).toEqual([expect.objectContaining({ id: 'n-1', metrics: { fps: 25, online: 1 } })])
    const q = (await (await t.api('/api/v1/cameras?q=mall')).json()) as { cameras: Array<{ id: string }> }
    expect(q.cameras.map((c) => c.id)).toEqual(['s-1'])

    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = (await (await t.api(`/api/v1/cameras?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { cameras: Array<{ id: string }>; next?: string }
      expect(page.cameras.length).toBeLessThanOrEqual(2)
      seen.push(...page.cameras.map((c) => c.id))
      cursor = page.next
    } while (cursor)
    expect(seen).toEqual(['n-1', 'n-2', 'n-3', 'n-4', 'n-5', 's-1'])
    expect((await t.api('/api/v1/cameras?limit=10001')).status).toBe(400)
    expect((await t.api('/api/v1/cameras?cursor=%%%')).status).toBe(400)
    expect((await t.api('/api/v1/cameras?status=sleepy')).status).toBe(400)
  })

  it('summarises the fleet by status and site, and serves GeoJSON', async () => {
    await seed()
    await send([
      { cameraId: 'n-1', ts: clock.now(), metrics: { fps: 25 } },
      { cameraId: 'stray-9', ts: clock.now(), metrics: { fps: 25 } },
    ])
    const summary = (await (await t.api('/api/v1/fleet/summary')).json()) as {
      cameras: number
      byStatus: Record<string, number>
      sites: Array<{ siteId: string; name: string; cameras: number; byStatus: Record<string, number> }>
    }
    expect(summary.cameras).toBe(7)
    expect(summary.byStatus).toEqual({ ok: 2, degraded: 0, critical: 0, offline: 0, unknown: 5 })
    expect(summary.sites.map((s) => [s.siteId, s.cameras])).toEqual([
      ['north', 5],
      ['south', 1],
      ['unassigned', 1],
    ])
    const geo = await t.api('/api/v1/cameras.geojson')
    expect(geo.headers.get('content-type')).toMatch(/geo\+json/)
    const fc = (await geo.json()) as { type: string; features: Array<{ geometry: { coordinates: number[] } | null; properties: Record<string, unknown> }> }
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.features[0]).toMatchObject({ geometry: { type: 'Point', coordinates: [4.89, 52.37 + 1 / 1000] }, properties: { id: 'n-1', name: 'North gate 1', siteId: 'north', status: 'ok' } })
    // s-1 has no coordinates of its own: it stands at its site.
    expect(fc.features.find((f) => f.properties.id === 's-1')?.geometry?.coordinates).toEqual([4.47, 51.92])
  })

  it('turns a silent camera offline within a second of its timeout, and ok again when it reports', async () => {
    await seed()
    const statuses: Array<{ cameraId: string | null; data: unknown }> = []
    t.server.events.subscribe((events) => statuses.push(...events.filter((e) => e.topic === 'status')))
    await send([
      { cameraId: 'n-1', ts: clock.now(), metrics: { fps: 25 } },
      { cameraId: 's-1', ts: clock.now(), metrics: { fps: 25 } },
    ])
    clock.advance(29_000)
    t.server.fleet.checkNow()
    expect((await (await t.api('/api/v1/cameras/s-1')).json()) as object).toMatchObject({ status: 'ok' })
    clock.advance(1_000) // s-1's own offlineAfter is 30 s
    t.server.fleet.checkNow()
    expect((await (await t.api('/api/v1/cameras/s-1')).json()) as object).toMatchObject({ status: 'offline', metrics: { online: 0 } })
    expect((await (await t.api('/api/v1/cameras/n-1')).json()) as object).toMatchObject({ status: 'ok' })
    clock.advance(30_000) // n-1 uses the default 60 s
    t.server.fleet.checkNow()
    expect((await (await t.api('/api/v1/cameras/n-1')).json()) as object).toMatchObject({ status: 'offline' })
    await send([{ cameraId: 'n-1', ts: clock.now(), metrics: { fps: 25 } }])
    expect((await (await t.api('/api/v1/cameras/n-1')).json()) as object).toMatchObject({ status: 'ok' })
    // Status events are appended to the durable log just after the answer, not before it.
    await t.server.events.settled()
    expect(statuses.map((e) => [e.cameraId, e.data])).toEqual([
      ['n-1', { status: 'ok', previous: 'unknown' }],
      ['s-1', { status: 'ok', previous: 'unknown' }],
      ['s-1', { status: 'offline', previous: 'ok' }],
      ['n-1', { status: 'offline', previous: 'ok' }],
      ['n-1', { status: 'ok', previous: 'offline' }],
    ])
  })

  it('deletes a camera with its history; it comes back unassigned if it reports again', async () => {
    await seed()
    await send([{ cameraId: 'n-2', ts: clock.now(), metrics: { fps: 25 } }])
    expect((await t.api('/api/v1/cameras/n-2', { method: 'DELETE' })).status).toBe(204)
    expect((await t.api('/api/v1/cameras/n-2')).status).toBe(404)
    expect((await t.api('/api/v1/cameras/n-2', { method: 'DELETE' })).status).toBe(404)
    await send([{ cameraId: 'n-2', ts: clock.now() + 1, metrics: { fps: 20 } }])
    const cam = (await (await t.api('/api/v1/cameras/n-2')).json()) as { siteId: string }
    expect(cam.siteId).toBe('unassigned')
    const s = (await (await t.api(`/api/v1/cameras/n-2/series?metric=fps&from=0&to=${clock.now() + 10}`)).json()) as { points: unknown[] }
    expect(s.points).toEqual([[clock.now() + 1, 20]])
  })
})

describe('series', () => {
  it('returns raw points, or step averages, in the DESIGN shape', async () => {
    const t0 = clock.now() - 600_000
    await send(Array.from({ length: 60 }, (_, i) => ({ cameraId: 'c', seq: i, ts: t0 + i * 10_000, metrics: { fps: i % 2 === 0 ? 20 : 30 } })))
    const raw = (await (await t.api(`/api/v1/cameras/c/series?metric=fps&from=${t0}&to=${new Date(t0 + 590_000).toISOString()}`)).json()) as Record<string, unknown>
    expect(raw).toMatchObject({ cameraId: 'c', metric: 'fps', tier: 'raw' })
    expect((raw.points as unknown[]).length).toBe(60)
    const stepped = (await (await t.api(`/api/v1/cameras/c/series?metric=fps&from=${t0}&to=${t0 + 599_999}&step=1m`)).json()) as { points: Array<[number, number]> }
    expect(stepped.points.length).toBeGreaterThanOrEqual(10)
    for (const [, v] of stepped.points) expect(v).toBeGreaterThanOrEqual(20)
    expect(stepped.points.reduce((s, [, v]) => s + v, 0) / stepped.points.length).toBeCloseTo(25, 0)
    expect((await t.api('/api/v1/cameras/c/series?metric=fps&from=10&to=5')).status).toBe(400)
    expect((await t.api('/api/v1/cameras/c/series?metric=fps&step=fast')).status).toBe(400)
    expect((await t.api('/api/v1/cameras/c/series?metric=Bad-Name')).status).toBe(400)
    expect((await t.api('/api/v1/cameras/nope/series?metric=fps')).status).toBe(404)
  })
})
