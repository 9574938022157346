import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../config/index.js'
import { createServer } from '../app.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Ten days of hourly reports ending at the last whole hour. */
const END = Math.floor(Date.now() / HOUR) * HOUR
const START = END - 239 * HOUR
const HOURS = Array.from({ length: 240 }, (_, k) => START + k * HOUR)

interface CapacityAnswer {
  cameras: Array<{ cameraId: string; siteId: string; diskUsedPct: number | null; daysUntilFull: number | null; retentionDays: number | null; retentionOk: boolean | null; policyId: string | null }>
  sites: Array<{ siteId: string; cloudUsedGb: number | null; cloudGbPerDay: number | null; uplinkMbps: number | null; uplinkUsedMbps: number | null; uplinkFullAt: string | null; uplinkPeaks: Array<[number, number]> }>
  database: { bytes: number | null; retentionDays: { raw: number } } | null
}

interface Report {
  cameraId: string
  ts: number
  metrics: Record<string, number>
}

async function send(t: TestServer, reports: Report[]): Promise<void> {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { accepted: number; rejected: unknown[] }
  expect(body.rejected).toEqual([])
}

async function token(t: TestServer, role: string, sites: string[]): Promise<string> {
  const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: `${role} ${sites.join(',')}`, role, sites } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { token: string }).token
}

async function capacity(t: TestServer, tok?: string): Promise<CapacityAnswer> {
  const res = await t.api('/api/v1/capacity', tok === undefined ? {} : { token: tok })
  expect(res.status).toBe(200)
  return (await res.json()) as CapacityAnswer
}

describe('GET /api/v1/capacity', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startTestServer()
    await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North', uplinkMbps: 100 } })
    await t.api('/api/v1/sites/south', { method: 'PUT', json: { name: 'South' } })
    for (const [id, siteId] of [['fill', 'north'], ['loop', 'north'], ['up-1', 'north'], ['up-2', 'north'], ['far', 'south']]) {
      await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId } })
    }
    const reports = HOURS.flatMap((ts, k): Report[] => {
      const d = (ts - START) / DAY
      // Loop recording: a sawtooth of ±0.3 points around 97 % with a little noise.
      const saw = ((k % 5) / 5 - 0.5) * 0.6 + 0.05 * Math.sin(k * 1.7)
      return [
        { cameraId: 'fill', ts, metrics: { disk_used_pct: 50 + d + 0.1 * Math.sin(k), retention_days: 12 } },
        { cameraId: 'loop', ts, metrics: { disk_used_pct: 97 + saw, retention_days: 30 } },
        // Two cameras whose streams grow by 1 Mbit/s a day each: 20 Mbit/s at START, +2 a day.
        { cameraId: 'up-1', ts, metrics: { bandwidth_mbps: 10 + d, cloud_used_gb: 100 + 2 * d } },
        { cameraId: 'up-2', ts, metrics: { bandwidth_mbps: 10 + d, cloud_used_gb: 50 + 0.5 * d } },
        { cameraId: 'far', ts, metrics: { disk_used_pct: 40, retention_days: 20 } },
      ]
    })
    await send(t, reports)
  })
  afterAll(async () => {
    await t.close()
  })

  it('projects a disk filling 1 % a day to full at 100 %', async () => {
    const cam = (await capacity(t)).cameras.find((c) => c.cameraId === 'fill')
    const now = 50 + (END - START) / DAY
    expect(cam?.diskUsedPct).toBeCloseTo(now, 0)
    // 100 - 59.96 points at 1 point a day.
    expect(cam?.daysUntilFull).toBeGreaterThan(100 - now - 0.3)
    expect(cam?.daysUntilFull).toBeLessThan(100 - now + 0.3)
  })

  it('gives no date for a loop-recording disk held near full', async () => {
    const cam = (await capacity(t)).cameras.find((c) => c.cameraId === 'loop')
    expect(cam?.diskUsedPct).toBeGreaterThan(96)
    expect(cam?.daysUntilFull).toBeNull()
  })

  it('projects a site uplink growing linearly to the day it reaches uplinkMbps', async () => {
    const site = (await capacity(t)).sites.find((s) => s.siteId === 'north')
    expect(site?.uplinkMbps).toBe(100)
    // 20 Mbit/s at START growing 2 a day reaches 100 after 40 days.
    const expected = START + 40 * DAY
    expect(Math.abs(Date.parse(site?.uplinkFullAt ?? '') - expected)).toBeLessThan(2 * HOUR)
    expect(site?.uplinkUsedMbps).toBeCloseTo(20 + (2 * (END - START)) / DAY, 1)
    expect(site?.uplinkPeaks.length).toBeGreaterThanOrEqual(10)
    // Cloud: 2 + 0.5 GB a day.
    expect(site?.cloudGbPerDay).toBeCloseTo(2.5, 1)
    expect(site?.cloudUsedGb).toBeCloseTo(150 + (2.5 * (END - START)) / DAY, 0)
  })

  it('gives no uplink date to a site without a registered capacity', async () => {
    const site = (await capacity(t)).sites.find((s) => s.siteId === 'south')
    expect(site?.uplinkMbps).toBeNull()
    expect(site?.uplinkFullAt).toBeNull()
  })

  it('reports camtel’s own database to callers that see every site', async () => {
    const answer = await capacity(t)
    expect(answer.database?.bytes).toBeGreaterThan(0)
    expect(answer.database?.retentionDays.raw).toBe(7)
  })

  it('shows a site-limited viewer only its sites, and not the server’s database', async () => {
    const viewer = await token(t, 'viewer', ['south'])
    const answer = await capacity(t, viewer)
    expect(answer.cameras.map((c) => c.cameraId)).toEqual(['far'])
    expect(answer.sites.map((s) => s.siteId)).toEqual(['south'])
    expect(answer.database).toBeNull()
  })
})

describe('retention policies and the retention_policy rule', () => {
  let t: TestServer
  const at = END
  beforeAll(async () => {
    t = await startTestServer()
    await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
    await t.api('/api/v1/sites/south', { method: 'PUT', json: { name: 'South' } })
    await t.api('/api/v1/cameras/gate', { method: 'PUT', json: { siteId: 'north', tags: ['outdoor'] } })
    await t.api('/api/v1/cameras/hall', { method: 'PUT', json: { siteId: 'south' } })
    await send(t, [
      { cameraId: 'gate', ts: at - 2 * HOUR, metrics: { retention_days: 5 } },
      { cameraId: 'hall', ts: at - 2 * HOUR, metrics: { retention_days: 14 } },
    ])
  })
  afterAll(async () => {
    await t.close()
  })

  const openRetentionAlerts = async (camera: string) => {
    const res = await t.api(`/api/v1/alerts?camera=${camera}&state=open`)
    const body = (await res.json()) as { alerts: Array<{ ruleId: string; value: number; state: string }> }
    return body.alerts.filter((a) => a.ruleId === 'retention_policy')
  }

  it('refuses bad policies with 400 and keeps nothing of them', async () => {
    const bad = [
      { scope: 'all', minDays: 30, maxDays: 7 },
      { scope: 'all', minDays: -1, maxDays: 7 },
      { scope: { zone: 'x' }, minDays: 1, maxDays: 7 },
      { scope: 'everything', minDays: 1, maxDays: 7 },
      { scope: 'all' },
      { scope: 'all', minDays: '7' },
    ]
    for (const body of bad) {
      const res = await t.api('/api/v1/retention-policies/bad', { method: 'PUT', json: body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/bad_policy|invalid_request/)
    }
    const list = (await (await t.api('/api/v1/retention-policies')).json()) as { policies: unknown[] }
    expect(list.policies).toEqual([])
  })

  it('lets a site-limited operator write policies only within its sites', async () => {
    const operator = await token(t, 'operator', ['north'])
    const viewer = await token(t, 'viewer', ['north'])
    const wide = await t.api('/api/v1/retention-policies/wide', { method: 'PUT', token: operator, json: { scope: 'all', minDays: 7, maxDays: 30 } })
    expect(wide.status).toBe(403)
    const other = await t.api('/api/v1/retention-policies/other', { method: 'PUT', token: operator, json: { scope: { site: 'south' }, minDays: 7, maxDays: 30 } })
    expect(other.status).toBe(403)
    const byViewer = await t.api('/api/v1/retention-policies/v', { method: 'PUT', token: viewer, json: { scope: { site: 'north' }, minDays: 7 } })
    expect(byViewer.status).toBe(403)
    const own = await t.api('/api/v1/retention-policies/north-outdoor', { method: 'PUT', token: operator, json: { scope: { site: 'north' }, minDays: 7, maxDays: 30 } })
    expect(own.status).toBe(201)
    expect(await own.json()).toMatchObject({ id: 'north-outdoor', scope: { site: 'north' }, minDays: 7, maxDays: 30 })
    // The south viewer does not see north's policy.
    const southViewer = await token(t, 'viewer', ['south'])
    const seen = (await (await t.api('/api/v1/retention-policies', { token: southViewer })).json()) as { policies: unknown[] }
    expect(seen.policies).toEqual([])
  })

  it('opens an alert on retention_policy below minDays and resolves it back in range', async () => {
    // north-outdoor (7..30 days) governs gate, which holds 5 days.
    const open = await openRetentionAlerts('gate')
    expect(open).toHaveLength(1)
    expect(open[0]).toMatchObject({ ruleId: 'retention_policy', value: 5, state: 'firing' })
    const cam = (await capacity(t)).cameras.find((c) => c.cameraId === 'gate')
    expect(cam).toMatchObject({ retentionDays: 5, retentionOk: false, policyId: 'north-outdoor' })
    expect(await openRetentionAlerts('hall')).toEqual([])

    await send(t, [{ cameraId: 'gate', ts: at - HOUR, metrics: { retention_days: 10 } }])
    expect(await openRetentionAlerts('gate')).toEqual([])
    expect((await capacity(t)).cameras.find((c) => c.cameraId === 'gate')?.retentionOk).toBe(true)
  })

  it('opens an alert above maxDays, and the most specific policy governs', async () => {
    await send(t, [{ cameraId: 'gate', ts: at - HOUR / 2, metrics: { retention_days: 40 } }])
    expect(await openRetentionAlerts('gate')).toMatchObject([{ value: 40 }])
    // A camera policy beats the site policy: 40 days is within 1..60.
    const res = await t.api('/api/v1/retention-policies/gate-long', { method: 'PUT', json: { scope: { camera: 'gate' }, minDays: 1, maxDays: 60 } })
    expect(res.status).toBe(201)
    expect(await openRetentionAlerts('gate')).toEqual([])
    const del = await t.api('/api/v1/retention-policies/gate-long', { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect(await openRetentionAlerts('gate')).toHaveLength(1)
  })
})

describe('the retention_policy rule across versions', () => {
  it('is installed once in a data folder made before it, and stays deleted once deleted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-rule-'))
    try {
      let t = await startTestServer({}, { dataDir })
      expect((await t.api('/api/v1/rules/retention_policy')).status).toBe(200)
      await t.close()
      // A folder from before the rule: neither the rule nor the mark that it was installed.
      const db = new Database(join(dataDir, 'camtel.db'))
      db.prepare("DELETE FROM rules WHERE id = 'retention_policy'").run()
      db.prepare("DELETE FROM meta WHERE key = 'retention_rule_installed'").run()
      db.close()
      t = await startTestServer({}, { dataDir })
      expect(await (await t.api('/api/v1/rules/retention_policy')).json()).toMatchObject({ metric: 'retention_policy', severity: 'warning' })
      expect((await t.api('/api/v1/rules/retention_policy', { method: 'DELETE' })).status).toBe(204)
      await t.close()
      t = await startTestServer({}, { dataDir })
      expect((await t.api('/api/v1/rules/retention_policy')).status).toBe(404)
      await t.close()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('purge requests', () => {
  const SECRET = 'purge-secret'
  let receiver: Server
  let t: TestServer
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = []

  beforeAll(async () => {
    receiver = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
        // The first attempt fails: the request must come again.
        res.writeHead(received.length === 1 ? 500 : 200, { 'content-type': 'application/json' })
        res.end(received.length === 1 ? '{"error":"busy"}' : '{"purged":true}')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const port = (receiver.address() as AddressInfo).port
    t = await startTestServer({ purgeUrl: `http://127.0.0.1:${port}/purge`, purgeSecret: SECRET })
    await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
    await t.api('/api/v1/cameras/gate', { method: 'PUT', json: { siteId: 'north' } })
    await t.api('/api/v1/retention-policies/privacy', { method: 'PUT', json: { scope: 'all', maxDays: 30 } })
  })
  afterAll(async () => {
    await t.close()
    await new Promise((resolve) => receiver.close(resolve))
  })

  it('asks the purge endpoint, signed, again after a 500, and audits request and answer', async () => {
    const ts = END - HOUR
    await send(t, [{ cameraId: 'gate', ts, metrics: { retention_days: 45 } }])
    const deadline = Date.now() + 15_000
    while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(received).toHaveLength(2)
    for (const r of received) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`
      expect(r.headers['x-camtel-signature']).toBe(expected)
      const body = JSON.parse(r.body) as Record<string, unknown>
      expect(r.headers['idempotency-key']).toBe(body.id)
      expect(body).toMatchObject({ kind: 'retention.purge', cameraId: 'gate', siteId: 'north', policyId: 'privacy', maxDays: 30, retentionDays: 45 })
      expect(body.purgeBefore).toBe(new Date(ts - 30 * DAY).toISOString())
    }
    // The retry is the same request: same key, same bytes.
    expect(received[1]?.body).toBe(received[0]?.body)

    const audit = (await (await t.api('/api/v1/audit?action=retention.purge')).json()) as {
      entries: Array<{ actor: string; target: string; detail: { attempt: number; request: { id: string }; answer: { status: number; body: string } } }>
    }
    const attempts = audit.entries.map((e) => e.detail).sort((a, b) => a.attempt - b.attempt)
    expect(attempts.map((a) => a.answer.status)).toEqual([500, 200])
    expect(attempts[1]?.answer.body).toBe('{"purged":true}')
    expect(audit.entries[0]).toMatchObject({ actor: 'system:purge', target: 'camera:gate' })

    // The same camera and day again is the same request: nothing new is sent.
    await send(t, [{ cameraId: 'gate', ts: ts + 60_000, metrics: { retention_days: 45 } }])
    await new Promise((r) => setTimeout(r, 1200))
    expect(received).toHaveLength(2)
  })

  it('keeps an undelivered purge request across a restart and delivers it then', async () => {
    const attempts: Array<{ key: string | undefined; body: string }> = []
    let up = false
    const flaky = createHttpServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        attempts.push({ key: req.headers['idempotency-key'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') })
        res.writeHead(up ? 200 : 503)
        res.end()
      })
    })
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/purge`
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-purge-'))
    try {
      const first = await startTestServer({ purgeUrl: url, purgeSecret: SECRET }, { dataDir })
      await first.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
      await first.api('/api/v1/cameras/yard', { method: 'PUT', json: { siteId: 'north' } })
      await first.api('/api/v1/retention-policies/privacy', { method: 'PUT', json: { scope: 'all', maxDays: 30 } })
      await send(first, [{ cameraId: 'yard', ts: END - HOUR, metrics: { retention_days: 33 } }])
      const deadline = Date.now() + 10_000
      while (attempts.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      await first.close()
      expect(attempts.length).toBeGreaterThanOrEqual(1)
      const failed = attempts.length

      up = true
      const second = await startTestServer({ purgeUrl: url, purgeSecret: SECRET }, { dataDir })
      const again = Date.now() + 15_000
      while (attempts.length === failed && Date.now() < again) await new Promise((r) => setTimeout(r, 100))
      await new Promise((r) => setTimeout(r, 1500))
      await second.close()
      // Delivered once after the restart: the same key and body as before it.
      expect(attempts.length).toBe(failed + 1)
      expect(attempts.at(-1)).toEqual(attempts[0])
      expect(attempts[0]?.key).toMatch(/^purge-yard-/)
    } finally {
      await new Promise((resolve) => flaky.close(resolve))
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses to start with a purge URL but no secret', async () => {
    const config = { ...loadConfig({ env: {} }), data: ':memory:', purgeUrl: 'http://127.0.0.1:9/purge', logLevel: 'silent' }
    await expect(createServer(config)).rejects.toBeInstanceOf(ConfigError)
  })
})
