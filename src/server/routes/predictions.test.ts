import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATE_FILE } from '../../predict/index.js'
import type { PredictionView } from '../../protocol/predictions.js'
import { HOUR, T0, healthy } from '../../predict/test-support/synthetic.js'
import type { DomainEvent } from '../../stream/events.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const DAYS = 10
const CAMERAS = ['north-cam-0', 'north-cam-1', 'north-cam-2', 'north-cam-3', 'south-cam-0', 'south-cam-1', 'south-cam-2', 'south-cam-3']

/** north-cam-0's card fills 1.5 %/day from day 5; south-cam-0's card wears 2 %/day towards end of life. */
function metrics(cameraId: string, n: number, h: number): Record<string, number> {
  const m = healthy(n + 1, h)
  if (cameraId === 'north-cam-0' && h >= 5 * 24) m.disk_used_pct = 90 + (1.5 * (h - 5 * 24)) / 24
  if (cameraId === 'south-cam-0') m.disk_health_pct = 40 - (2 * h) / 24
  return m
}

async function setUp(t: TestServer): Promise<void> {
  for (const site of ['north', 'south']) expect((await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site } })).status).toBe(201)
  for (const id of CAMERAS) {
    const res = await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId: id.split('-')[0], tags: ['outdoor'], model: 'M1', firmware: '1.0' } })
    expect(res.status).toBe(201)
  }
}

/** Sends days [from, days) of the history a day per batch, as a fleet syncing would; answers once all is acknowledged. */
async function sendHistory(t: TestServer, days: number, from = 0): Promise<void> {
  for (let d = from; d < days; d++) {
    const reports = []
    for (let h = d * 24; h < (d + 1) * 24; h++) {
      for (const [n, cameraId] of CAMERAS.entries()) reports.push({ cameraId, seq: h, ts: T0 + h * HOUR, metrics: metrics(cameraId, n, h) })
    }
    const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
    expect(((await res.json()) as { accepted: number }).accepted).toBe(reports.length)
  }
}

async function predictions(t: TestServer, query = '', token?: string): Promise<PredictionView[]> {
  const res = await t.api(`/api/v1/predictions${query}`, token === undefined ? {} : { token })
  expect(res.status).toBe(200)
  return ((await res.json()) as { predictions: PredictionView[] }).predictions
}

describe('GET /api/v1/predictions', () => {
  let t: TestServer
  let viewer: string
  const events: DomainEvent[] = []

  beforeAll(async () => {
    t = await startTestServer()
    t.server.events.subscribe((batch) => events.push(...batch))
    await setUp(t)
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'north viewer', role: 'viewer', sites: ['north'] } })
    viewer = ((await res.json()) as { token: string }).token
    await sendHistory(t, DAYS)
  })
  afterAll(async () => {
    await t.close()
  })

  it('ranks the raised predictions with their evidence, ETA and data times', async () => {
    const raised = await predictions(t, '?minRisk=0.5')
    expect(raised.map((p) => `${p.cameraId}:${p.mode}`).sort()).toEqual(['north-cam-0:disk_full', 'south-cam-0:disk_failure'])
    const risks = (await predictions(t)).map((p) => p.risk)
    expect(risks).toEqual([...risks].sort((a, b) => b - a))
    const full = raised.find((p) => p.mode === 'disk_full') as PredictionView
    expect(full).toMatchObject({ cameraId: 'north-cam-0', siteId: 'north' })
    expect(Object.keys(full).sort()).toEqual(['asOf', 'cameraId', 'eta', 'evidence', 'mode', 'raisedAt', 'risk', 'siteId'])
    // 90 % on day 5, +1.5 %/day: full (99.5 %) 6.3 days later.
    expect(Math.abs(Date.parse(full.eta as string) - (T0 + 11.33 * 24 * HOUR))).toBeLessThan(12 * HOUR)
    expect(full.evidence[0]).toMatch(/disk_used_pct rising 1\.\d+ %\/day/)
    // Answers are as of the data sent: the last finalised hour, two hours behind the last report.
    expect(Date.parse(full.asOf)).toBe(T0 + (DAYS * 24 - 2) * HOUR)
    expect(Date.parse(full.raisedAt as string)).toBeLessThan(Date.parse(full.asOf))
  })

  it('filters by site, camera, mode, minRisk and limit, and refuses bad filters', async () => {
    expect((await predictions(t, '?site=north&minRisk=0.5')).map((p) => p.cameraId)).toEqual(['north-cam-0'])
    expect((await predictions(t, '?camera=south-cam-0')).every((p) => p.cameraId === 'south-cam-0')).toBe(true)
    expect((await predictions(t, '?mode=disk_failure&minRisk=0.5')).map((p) => p.cameraId)).toEqual(['south-cam-0'])
    expect(await predictions(t, '?limit=1')).toHaveLength(1)
    for (const bad of ['?mode=melting', '?minRisk=2', '?limit=0', '?colour=red']) {
      const res = await t.api(`/api/v1/predictions${bad}`)
      expect(res.status, bad).toBe(400)
    }
  })

  it("shows a site-limited caller its sites' predictions only", async () => {
    expect((await predictions(t, '?minRisk=0.5', viewer)).map((p) => p.cameraId)).toEqual(['north-cam-0'])
    expect(await predictions(t, '?site=south', viewer)).toEqual([])
    expect(await predictions(t, '?camera=south-cam-0', viewer)).toEqual([])
  })

  it("fills the camera drill-down's predictions, scoped like the camera itself", async () => {
    const detail = (await (await t.api('/api/v1/cameras/north-cam-0', { token: viewer })).json()) as { predictions: PredictionView[] }
    expect(detail.predictions[0]).toMatchObject({ cameraId: 'north-cam-0', mode: 'disk_full' })
    expect(detail.predictions[0]?.risk).toBeGreaterThanOrEqual(0.5)
    expect((await t.api('/api/v1/cameras/south-cam-0', { token: viewer })).status).toBe(404)
  })

  it('publishes a prediction event with the prediction as data when a risk crosses 0.5', async () => {
    await t.server.events.settled()
    const mine = events.filter((e) => e.topic === 'prediction')
    expect(mine.map((e) => `${e.cameraId}:${(e.data as PredictionView).mode}`).sort()).toEqual(['north-cam-0:disk_full', 'south-cam-0:disk_failure'])
    const full = mine.find((e) => e.cameraId === 'north-cam-0')
    expect(full?.siteId).toBe('north')
    expect(full?.ts).toBe(Date.parse((full?.data as PredictionView).asOf))
    expect((full?.data as PredictionView).risk).toBeGreaterThanOrEqual(0.5)
  })
})

describe('a restart', () => {
  it('answers the same predictions after the server restarts on the same data folder, and goes on from there', async () => {
    // The control: one server that never stops.
    const control = await startTestServer()
    const first = await startTestServer()
    let second: TestServer | undefined
    try {
      for (const t of [control, first]) await setUp(t)
      await sendHistory(control, DAYS)
      await sendHistory(first, DAYS)
      const before = await predictions(first)
      expect(before.filter((p) => p.risk >= 0.5).map((p) => `${p.cameraId}:${p.mode}`).sort()).toEqual(['north-cam-0:disk_full', 'south-cam-0:disk_failure'])
      await first.close({ keepData: true })
      second = await startTestServer({}, { dataDir: first.dataDir })
      // Straight after the restart, before any new report: the same answers, evidence and times included.
      expect(await predictions(second)).toEqual(before)
      expect(await predictions(second, '?minRisk=0.5&site=north')).toEqual(before.filter((p) => p.risk >= 0.5 && p.siteId === 'north'))
      // New data continues the learnt trends: as if the server had never stopped.
      await sendHistory(control, DAYS + 2, DAYS)
      await sendHistory(second, DAYS + 2, DAYS)
      const after = await predictions(second)
      expect(after).toEqual(await predictions(control))
      const full = after.find((p) => p.mode === 'disk_full')
      expect(full?.raisedAt).toBe(before.find((p) => p.mode === 'disk_full')?.raisedAt)
    } finally {
      await control.close()
      await second?.close()
      if (second === undefined) await first.close()
    }
  })

  it('starts afresh when the saved state cannot be read: a record of another layout, a damaged file', async () => {
    let t = await startTestServer()
    const dataDir = t.dataDir
    try {
      await setUp(t)
      await sendHistory(t, DAYS)
      expect((await predictions(t, '?minRisk=0.5')).length).toBe(2)
      await t.close({ keepData: true })
      // One camera's record cut short (another version's layout): all of it is dropped, none misread.
      const db = new Database(join(dataDir, STATE_FILE))
      db.prepare("UPDATE camera_state SET state = substr(state, 1, 100) WHERE camera_id = 'north-cam-1'").run()
      db.close()
      t = await startTestServer({}, { dataDir })
      expect(await predictions(t)).toEqual([])
      await t.close({ keepData: true })
      // Not a database at all: kept aside, and the server starts and predicts again from new data.
      writeFileSync(join(dataDir, STATE_FILE), 'not a database, '.repeat(300))
      t = await startTestServer({}, { dataDir })
      expect(await predictions(t)).toEqual([])
      expect(readFileSync(join(dataDir, `${STATE_FILE}.unreadable`), 'utf8')).toMatch(/^not a database/)
      // Three new days: too few for south-cam-0's wear trend, enough to see north-cam-0's card full.
      await sendHistory(t, DAYS + 3, DAYS)
      expect((await predictions(t, '?minRisk=0.5')).map((p) => `${p.cameraId}:${p.mode}`)).toEqual(['north-cam-0:disk_full'])
    } finally {
      await t.close({ keepData: true })
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('the plan', () => {
  it('answers 403 plan_feature on professional without the predictive add-on, and predicts nothing', async () => {
    const t = await startTestServer({ plan: 'professional', addons: [] })
    try {
      await setUp(t)
      await sendHistory(t, 1)
      const res = await t.api('/api/v1/predictions')
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('plan_feature')
      expect(((await (await t.api('/api/v1/cameras/north-cam-0')).json()) as { predictions: unknown[] }).predictions).toEqual([])
      expect(t.server.predictions).toBeUndefined()
    } finally {
      await t.close()
    }
  })

  it('predicts on professional with CAMTEL_ADDONS=predictive', async () => {
    const t = await startTestServer({ plan: 'professional', addons: ['predictive'] })
    try {
      expect((await t.api('/api/v1/predictions')).status).toBe(200)
    } finally {
      await t.close()
    }
  })
})
