import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from './test-support/test-server.js'

let t: TestServer
const ts = () => Date.now() - 30_000

async function token(role: string, sites?: string[]): Promise<string> {
  const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: `${role}-${sites?.join('+') ?? 'all'}`, role, ...(sites ? { sites } : {}) } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { token: string }).token
}

async function seedTwoSites() {
  for (const site of ['north', 'south']) {
    await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site, lat: 52, lon: 4 } })
    for (let i = 1; i <= 3; i++) await t.api(`/api/v1/cameras/${site}-${i}`, { method: 'PUT', json: { siteId: site, name: `${site} ${i}` } })
  }
  const reports = ['north-1', 'north-2', 'south-1', 'south-2'].map((cameraId) => ({ cameraId, ts: ts(), metrics: { fps: 25 } }))
  await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
}

describe('site scoping', () => {
  beforeEach(async () => {
    t = await startTestServer()
    await seedTwoSites()
  })
  afterEach(async () => t.close())

  it('shows a viewer of north only north, also when it asks for south by id', async () => {
    const viewer = await token('viewer', ['north'])
    const get = async (path: string) => t.api(path, { token: viewer })
    const list = (await (await get('/api/v1/cameras')).json()) as { cameras: Array<{ siteId: string }> }
    expect(list.cameras).toHaveLength(3)
    expect(new Set(list.cameras.map((c) => c.siteId))).toEqual(new Set(['north']))
    expect(((await (await get('/api/v1/cameras?site=south')).json()) as { cameras: unknown[] }).cameras).toEqual([])
    expect((await get('/api/v1/cameras/south-1')).status).toBe(404)
    expect((await get('/api/v1/cameras/south-1/series?metric=fps')).status).toBe(404)
    expect((await get('/api/v1/sites/south')).status).toBe(404)
    expect((await get('/api/v1/cameras/north-1')).status).toBe(200)
    const sites = (await (await get('/api/v1/sites')).json()) as { sites: Array<{ id: string }> }
    expect(sites.sites.map((s) => s.id)).toEqual(['north'])
    const summary = (await (await get('/api/v1/fleet/summary')).json()) as { cameras: number; sites: Array<{ siteId: string }> }
    expect(summary.cameras).toBe(3)
    expect(summary.sites.map((s) => s.siteId)).toEqual(['north'])
    const geo = (await (await get('/api/v1/cameras.geojson')).json()) as { features: Array<{ properties: { siteId: string } }> }
    expect(geo.features.every((f) => f.properties.siteId === 'north')).toBe(true)
  })

  it('gives an ingest token 403 on reads and keeps it to cameras of its sites', async () => {
    const ingest = await token('ingest', ['north'])
    for (const path of ['/api/v1/cameras', '/api/v1/cameras/north-1', '/api/v1/fleet/summary', '/api/v1/cameras/north-1/series?metric=fps', '/metrics']) {
      expect((await t.api(path, { token: ingest })).status, path).toBe(403)
    }
    const res = await t.api('/api/v1/telemetry', {
      method: 'POST',
      token: ingest,
      json: {
        reports: [
          { cameraId: 'north-3', ts: ts(), metrics: { fps: 20 } },
          { cameraId: 'south-3', ts: ts(), metrics: { fps: 20 } },
          { cameraId: 'brand-new', ts: ts(), metrics: { fps: 20 } },
        ],
      },
    })
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number; error: string }> }
    expect(answer.accepted).toBe(2)
    expect(answer.rejected).toEqual([{ index: 1, error: expect.stringMatching(/not in this token's sites/) }])
    // With one site, an unknown camera is created there.
    expect(((await (await t.api('/api/v1/cameras/brand-new')).json()) as { siteId: string }).siteId).toBe('north')
    expect(((await (await t.api('/api/v1/cameras/south-3')).json()) as { status: string }).status).toBe('unknown')
  })

  it('lets a token of several sites write only registered cameras of those sites', async () => {
    const ingest = await token('ingest', ['north', 'south'])
    const res = await t.api('/api/v1/telemetry', {
      method: 'POST',
      token: ingest,
      json: { reports: [{ cameraId: 'south-3', ts: ts(), metrics: { fps: 20 } }, { cameraId: 'unknown-cam', ts: ts(), metrics: { fps: 20 } }] },
    })
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(1)
    expect(answer.rejected.map((r) => r.index)).toEqual([1])
    expect((await t.api('/api/v1/cameras/unknown-cam')).status).toBe(404)
  })

  it('refuses a revoked token at once', async () => {
    const viewer = await token('viewer')
    const list = (await (await t.api('/api/v1/tokens')).json()) as { tokens: Array<{ id: string; name: string }> }
    const id = list.tokens.find((x) => x.name === 'viewer-all')?.id
    expect((await t.api('/api/v1/cameras', { token: viewer })).status).toBe(200)
    expect((await t.api(`/api/v1/tokens/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await t.api('/api/v1/cameras', { token: viewer })).status).toBe(401)
  })

  it('never lists token secrets and refuses bad token requests', async () => {
    const secret = await token('viewer', ['north'])
    const text = await (await t.api('/api/v1/tokens')).text()
    expect(text).not.toContain(secret)
    expect((await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'x', role: 'root' } })).status).toBe(400)
    expect((await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'x', role: 'admin', sites: ['north'] } })).status).toBe(400)
    expect((await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'x', role: 'viewer', sites: ['atlantis'] } })).status).toBe(400)
    const operator = await token('operator', ['north'])
    expect((await t.api('/api/v1/tokens', { method: 'POST', token: operator, json: { name: 'x', role: 'admin' } })).status).toBe(403)
  })
})

describe('accounts and sessions', () => {
  beforeEach(async () => {
    t = await startTestServer()
    await seedTwoSites()
  })
  afterEach(async () => t.close())

  const login = (username: string, password: string) => t.api('/api/v1/login', { method: 'POST', token: null, json: { username, password } })

  it('sets an HttpOnly SameSite cookie on the right password and 401 on a wrong one', async () => {
    expect((await t.api('/api/v1/users', { method: 'POST', json: { username: 'guard', password: 'correct horse', role: 'viewer', sites: ['north'] } })).status).toBe(201)
    const ok = await login('guard', 'correct horse')
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ username: 'guard', role: 'viewer', sites: ['north'] })
    const setCookie = ok.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^camtel_session=[^;]+;/)
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Strict/i)
    const cookie = setCookie.split(';')[0] as string

    const me = await t.api('/api/v1/me', { token: null, headers: { cookie } })
    expect(await me.json()).toMatchObject({ kind: 'session', name: 'guard', role: 'viewer' })
    const cams = (await (await t.api('/api/v1/cameras', { token: null, headers: { cookie } })).json()) as { cameras: Array<{ siteId: string }> }
    expect(cams.cameras.every((c) => c.siteId === 'north')).toBe(true)

    expect((await login('guard', 'wrong password')).status).toBe(401)
    expect((await login('nobody', 'correct horse')).status).toBe(401)

    expect((await t.api('/api/v1/logout', { method: 'POST', token: null, headers: { cookie } })).status).toBe(204)
    expect((await t.api('/api/v1/me', { token: null, headers: { cookie } })).status).toBe(401)
  })

  it('changes passwords, ends sessions, and disables accounts', async () => {
    await t.api('/api/v1/users', { method: 'POST', json: { username: 'op', password: 'first password', role: 'operator' } })
    const cookie = ((await login('op', 'first password')).headers.get('set-cookie') ?? '').split(';')[0] as string
    const change = (json: unknown, c = cookie) => t.api('/api/v1/users/op/password', { method: 'POST', token: null, headers: { cookie: c }, json })
    expect((await change({ password: 'second password', currentPassword: 'not it' })).status).toBe(401)
    expect((await change({ password: 'short', currentPassword: 'first password' })).status).toBe(400)
    expect((await change({ password: 'second password', currentPassword: 'first password' })).status).toBe(204)
    expect((await t.api('/api/v1/me', { token: null, headers: { cookie } })).status).toBe(401)
    expect((await login('op', 'first password')).status).toBe(401)
    const fresh = ((await login('op', 'second password')).headers.get('set-cookie') ?? '').split(';')[0] as string
    // Someone else's password is an admin's business only.
    await t.api('/api/v1/users', { method: 'POST', json: { username: 'other', password: 'other password', role: 'viewer' } })
    expect((await t.api('/api/v1/users/other/password', { method: 'POST', token: null, headers: { cookie: fresh }, json: { password: 'hijacked pw', currentPassword: 'second password' } })).status).toBe(403)

    expect((await t.api('/api/v1/users/op', { method: 'PATCH', json: { disabled: true } })).status).toBe(200)
    expect((await t.api('/api/v1/me', { token: null, headers: { cookie: fresh } })).status).toBe(401)
    expect((await login('op', 'second password')).status).toBe(401)
    expect((await t.api('/api/v1/users', { method: 'POST', json: { username: 'op', password: 'whatever123', role: 'viewer' } })).status).toBe(409)
    expect((await t.api('/api/v1/users', { method: 'POST', json: { username: 'weak', password: 'short', role: 'viewer' } })).status).toBe(400)
  })

  it('records who changed what in the audit log, for admins only', async () => {
    await t.api('/api/v1/users', { method: 'POST', json: { username: 'auditee', password: 'long enough pw', role: 'viewer' } })
    await login('auditee', 'long enough pw')
    const audit = (await (await t.api('/api/v1/audit')).json()) as { entries: Array<{ actor: string; action: string; target: string; at: string }> }
    const actions = audit.entries.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['site.create', 'camera.create', 'user.create', 'session.login']))
    expect(audit.entries[0]).toMatchObject({ action: 'session.login', actor: 'session:auditee', target: 'user:auditee' })
    expect(audit.entries.find((e) => e.action === 'user.create')?.actor).toBe('token:CAMTEL_ADMIN_TOKEN')
    const paged = (await (await t.api('/api/v1/audit?limit=2')).json()) as { entries: unknown[]; next?: number }
    expect(paged.entries).toHaveLength(2)
    expect(typeof paged.next).toBe('number')
    const viewer = await token('viewer')
    expect((await t.api('/api/v1/audit', { token: viewer })).status).toBe(403)
  })
})

describe('failed authentication', () => {
  beforeEach(async () => {
    t = await startTestServer({ authFailures: 5 })
  })
  afterEach(async () => t.close())

  it('answers a flood of guessed tokens with 429 and Retry-After', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push((await t.api('/api/v1/cameras', { token: `ct_guess-${i}` })).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5)).toEqual([429, 429, 429])
    const limited = await t.api('/api/v1/cameras', { token: 'ct_guess-again' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    // Guessing passwords counts the same way.
    expect((await t.api('/api/v1/login', { method: 'POST', token: null, json: { username: 'a', password: 'b' } })).status).toBe(429)
    // Public routes stay open.
    expect((await t.api('/healthz', { token: null })).status).toBe(200)
  })
})
