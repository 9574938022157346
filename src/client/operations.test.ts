import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedSites } from '../server/test-support/stream-fixtures.js'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../server/test-support/test-server.js'
import { CamtelApiError, CamtelClient } from './index.js'

let t: TestServer
let admin: CamtelClient

beforeEach(async () => {
  t = await startTestServer()
  await seedSites(t)
  admin = new CamtelClient({ baseUrl: t.url, token: ADMIN_TOKEN })
})
afterEach(async () => {
  await t.close()
})

describe('CamtelClient operations', () => {
  it('reads health and who is calling', async () => {
    expect(await admin.health()).toMatchObject({ status: 'ok', auth: 'on' })
    expect(await admin.me()).toMatchObject({ role: 'admin', sites: null })
  })

  it('puts a rule, sees the alert it opens, acknowledges it with a note', async () => {
    await admin.putRule({ id: 'hot', metric: 'temperature_c', op: '>', value: 90, for: 0, severity: 'critical', scope: { site: 'north' } })
    expect((await admin.rules()).find((r) => r.id === 'hot')).toMatchObject({ metric: 'temperature_c', value: 90 })
    await admin.sendTelemetry([{ cameraId: 'n-1', ts: Date.now(), metrics: { temperature_c: 95 } }])
    const [alert] = await admin.alerts({ camera: 'n-1', state: 'open' })
    expect(alert).toMatchObject({ ruleId: 'hot', state: 'firing', severity: 'critical' })
    const acked = await admin.acknowledge(alert!.id, 'on it')
    expect(acked).toMatchObject({ id: alert!.id, state: 'acknowledged', ack: { note: 'on it' } })
    expect(await admin.incidents()).toEqual([])
  })

  it('creates a silence for a window and ends it', async () => {
    const now = Date.now()
    const s = await admin.createSilence({ scope: { site: 'north' }, from: new Date(now), to: now + 3_600_000, reason: 'switch swap' })
    expect(s).toMatchObject({ scope: { site: 'north' }, reason: 'switch swap', active: true })
    expect((await admin.silences()).map((x) => x.id)).toContain(s.id)
    await admin.endSilence(s.id)
    expect((await admin.silences()).filter((x) => x.active)).toEqual([])
  })

  it('logs in with an account and out again', async () => {
    expect((await t.api('/api/v1/users', { method: 'POST', json: { username: 'oper', password: 'correct-horse-battery', role: 'operator' } })).status).toBe(201)
    // Node's fetch keeps no cookies: carry the session cookie by hand, as a browser would.
    let cookie = ''
    const jar: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers)
      if (cookie) headers.set('cookie', cookie)
      const res = await fetch(input, { ...init, headers })
      const set = res.headers.get('set-cookie')
      if (set) cookie = set.split(';')[0] ?? ''
      return res
    }
    const browser = new CamtelClient({ baseUrl: t.url, fetch: jar })
    await expect(browser.login('oper', 'wrong-password!')).rejects.toMatchObject({ status: 401 })
    expect(await browser.login('oper', 'correct-horse-battery')).toMatchObject({ username: 'oper', role: 'operator' })
    expect(await browser.me()).toMatchObject({ kind: 'session', name: 'oper' })
    await browser.logout()
    const after = await browser.me().catch((e: unknown) => e)
    expect(after).toBeInstanceOf(CamtelApiError)
    expect(after).toMatchObject({ status: 401 })
  })
})
