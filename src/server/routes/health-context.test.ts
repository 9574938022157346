import { afterEach, describe, expect, it } from 'vitest'
import type { Config } from '../../config/index.js'
import { ManualClock } from '../../core/clock.js'
import { CamtelClient } from '../../client/index.js'
import type { HealthContext } from '../../protocol/health-context.js'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../test-support/test-server.js'

const T = Date.UTC(2026, 10, 24, 12, 0, 0)
const SEC = 1_000
const MIN = 60_000
const HOUR = 3_600_000

let t: TestServer
let clock: ManualClock

async function start(overrides: Partial<Config> = {}) {
  clock = new ManualClock(T)
  t = await startTestServer(overrides, { clock })
}
afterEach(async () => {
  await t.close()
})

let seq = 0
const report = (cameraId: string, ts: number, metrics: Record<string, number | boolean>) => ({ cameraId, seq: seq++, ts, metrics })
const healthy = { fps: 25, fps_target: 25, image_quality: 90, focus_score: 88, recording: true, tamper: false, temperature_c: 41 }

async function send(reports: unknown[]) {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  expect(((await res.json()) as { accepted: number }).accepted).toBe(reports.length)
}

async function context(cameraId: string, query = '', token?: string): Promise<HealthContext> {
  const res = await t.api(`/api/v1/cameras/${cameraId}/health-context${query}`, token ? { token } : {})
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as HealthContext
}

async function status(path: string, token?: string | null): Promise<{ status: number; code: string | undefined }> {
  const res = await t.api(path, token === undefined ? {} : { token })
  const body = (await res.json()) as { error?: { code: string } }
  return { status: res.status, code: body.error?.code }
}

describe('GET /api/v1/cameras/:id/health-context', () => {
  it('gives a healthy camera that reports its target full confidence', async () => {
    await start()
    await send([report('cam', T - 20 * SEC, healthy), report('cam', T - 10 * SEC, healthy)])
    const c = await context('cam')
    expect(c).toMatchObject({
      cameraId: 'cam',
      siteId: 'unassigned',
      at: new Date(T).toISOString(),
      tier: 'raw',
      reportTs: new Date(T - 10 * SEC).toISOString(),
      offlineAfter: 60,
      online: true,
      recording: true,
      fps: 25,
      fpsTarget: 25,
      fpsTargetSource: 'reported',
      fpsRatio: 1,
      imageQuality: 90,
      focusScore: 88,
      tamper: false,
      unknown: [],
    })
    expect(c.confidence).toBeGreaterThan(0.95)
  })

  it('lowers confidence when fps drops to half of what the camera typically delivers, with no target reported', async () => {
    await start()
    // Two hours at 20 fps, one report a minute, then a drop to 10 fps in the last minute.
    const steady = { fps: 20, image_quality: 90, focus_score: 90, recording: true }
    await send(Array.from({ length: 120 }, (_, i) => report('cam', T - 2 * HOUR + i * MIN, steady)))
    const before = await context('cam', `?at=${T - 30 * SEC}`)
    expect(before).toMatchObject({ fps: 20, fpsTarget: 20, fpsTargetSource: 'typical', fpsRatio: 1 })
    expect(before.confidence).toBeGreaterThan(0.95)

    await send([report('cam', T - 10 * SEC, { ...steady, fps: 10 })])
    const after = await context('cam')
    expect(after).toMatchObject({ online: true, fps: 10, fpsTarget: 20, fpsTargetSource: 'typical', fpsRatio: 0.5 })
    expect(after.confidence).toBeCloseTo(0.5, 3)
    expect(after.factors.find((f) => f.name === 'fps')).toMatchObject({ value: 10, score: 0.5, known: true })
  })

  it('says fps cannot be judged, and lowers confidence, when there is neither a target nor enough history', async () => {
    await start()
    await send([report('cam', T - 10 * SEC, { fps: 20, image_quality: 90, focus_score: 90, recording: true })])
    const c = await context('cam')
    expect(c).toMatchObject({ fps: 20, fpsTarget: null, fpsTargetSource: null, fpsRatio: null, unknown: ['fps', 'tamper'] })
    expect(c.confidence).toBe(0.5)
  })

  it('is offline with confidence 0 when the last report is older than the offline timeout, per camera', async () => {
    await start()
    expect((await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })).status).toBe(201)
    expect((await t.api('/api/v1/cameras/patient', { method: 'PUT', json: { siteId: 'north', offlineAfter: 600 } })).status).toBe(201)
    await send([report('cam', T - 5 * MIN, healthy), report('patient', T - 5 * MIN, healthy)])

    const gone = await context('cam')
    expect(gone).toMatchObject({ online: false, confidence: 0, reportTs: new Date(T - 5 * MIN).toISOString(), offlineAfter: 60 })
    expect(gone.factors[0]).toMatchObject({ name: 'online', value: false, score: 0 })
    // The same silence is within a 10-minute timeout from the registry.
    expect(await context('patient')).toMatchObject({ online: true, offlineAfter: 600 })
    expect((await context('patient')).confidence).toBeGreaterThan(0.95)
  })

  it('counts a report that carries none of its inputs as the camera online, and keeps each input with its own time', async () => {
    await start()
    // Inputs 40 minutes ago; since then only temperature and disk, the last 10 s ago.
    await send([report('cam', T - 40 * MIN, healthy), report('cam', T - 5 * MIN, { temperature_c: 40 }), report('cam', T - 10 * SEC, { temperature_c: 41, disk_used_pct: 50 })])
    const c = await context('cam')
    expect(c).toMatchObject({ online: true, reportTs: new Date(T - 10 * SEC).toISOString(), fps: 25, imageQuality: 90, recording: true })
    expect(c.factors.find((f) => f.name === 'fps')?.ts).toBe(new Date(T - 40 * MIN).toISOString())
    expect(c.factors[0]).toMatchObject({ name: 'online', value: true, ts: new Date(T - 10 * SEC).toISOString() })
    // A minute and more after that report, offline, whatever the inputs say.
    clock.advance(55 * SEC)
    expect(await context('cam')).toMatchObject({ online: false, confidence: 0 })
    // Past the look-back (an hour), the inputs are not found, and the camera is still online.
    clock.advance(30 * MIN - 55 * SEC)
    await send([report('cam', T + 30 * MIN - 5 * SEC, { temperature_c: 42 })])
    expect(await context('cam')).toMatchObject({ online: true, fps: null, imageQuality: null, recording: null, reportTs: new Date(T + 30 * MIN - 5 * SEC).toISOString() })
  })

  it('answers a past instant from the reports of that time, not the latest', async () => {
    await start()
    await send([
      report('cam', T - 2 * HOUR, healthy),
      report('cam', T - 2 * HOUR + 10 * SEC, { ...healthy, fps: 24 }),
      report('cam', T - 10 * SEC, { ...healthy, fps: 5, image_quality: 30, recording: false }),
    ])
    const then = await context('cam', `?at=${new Date(T - 2 * HOUR + 30 * SEC).toISOString()}`)
    expect(then).toMatchObject({ tier: 'raw', online: true, fps: 24, imageQuality: 90, recording: true, reportTs: new Date(T - 2 * HOUR + 10 * SEC).toISOString() })
    expect(then.confidence).toBeGreaterThan(0.9)
    // Between the two, the camera was silent for longer than its timeout.
    expect(await context('cam', `?at=${T - HOUR}`)).toMatchObject({ online: false, confidence: 0 })
    const now = await context('cam')
    expect(now).toMatchObject({ fps: 5, recording: false, confidence: 0 })
    // The typed client asks the same, with a Date or without `at`.
    const client = new CamtelClient({ baseUrl: t.url, token: ADMIN_TOKEN })
    expect(await client.healthContext('cam', new Date(T - 2 * HOUR + 30 * SEC))).toEqual(then)
    expect(await client.healthContext('cam')).toEqual(now)
    await expect(client.healthContext('nobody')).rejects.toMatchObject({ status: 404 })
  })

  it('falls back to the 1-minute, then the 1-hour rollups past the raw retention, and says so', async () => {
    await start({ retentionRaw: HOUR / 1000, retention1m: (2 * HOUR) / 1000 })
    const from = T - 20 * MIN
    await send(Array.from({ length: 30 }, (_, i) => report('cam', from + i * 10 * SEC, { ...healthy, fps: i % 2 ? 24 : 26 })))
    // Then only temperature, for another five minutes.
    await send(Array.from({ length: 30 }, (_, i) => report('cam', from + 5 * MIN + i * 10 * SEC, { temperature_c: 40 })))
    clock.advance(90 * MIN)
    await t.server.history.retention.runNow()
    expect(await t.server.store.telemetry.countReports('cam')).toBe(0)
    const c = await context('cam', `?at=${from + 2 * MIN + 30 * SEC}`)
    expect(c).toMatchObject({ tier: '1m', online: true, fps: 25, fpsTarget: 25, recording: true, reportTs: new Date(from + 2 * MIN).toISOString() })
    expect(c.factors[0]?.reason).toContain('1-minute rollups')
    // A bucket with other metrics only counts as online; its inputs are the last ones known.
    const other = await context('cam', `?at=${from + 7 * MIN + 30 * SEC}`)
    expect(other).toMatchObject({ tier: '1m', online: true, fps: 25, reportTs: new Date(from + 7 * MIN).toISOString() })
    expect(other.factors.find((f) => f.name === 'fps')?.ts).toBe(new Date(from + 4 * MIN).toISOString())
    // After the last data, offline in that tier too.
    expect(await context('cam', `?at=${from + 15 * MIN}`)).toMatchObject({ tier: '1m', online: false, confidence: 0 })

    // Past the 1-minute retention too: the hour bucket answers, at its resolution.
    clock.advance(HOUR)
    await t.server.history.retention.runNow()
    const hourly = await context('cam', `?at=${from + 2 * MIN + 30 * SEC}`)
    expect(hourly).toMatchObject({ tier: '1h', online: true, fps: 25, reportTs: new Date(T - HOUR).toISOString() })
    expect(hourly.factors[0]?.reason).toContain('1-hour rollups')
    // Older than every retention: nothing is known.
    expect(await context('cam', '?at=0')).toMatchObject({ tier: null, online: false, reportTs: null, fps: null, confidence: 0 })
  })

  it('hides unknown cameras and other sites’ cameras (404), and refuses a bad or future `at` (400) and no token (401)', async () => {
    await start()
    for (const site of ['north', 'south']) expect((await t.api(`/api/v1/sites/${site}`, { method: 'PUT', json: { name: site } })).status).toBe(201)
    await t.api('/api/v1/cameras/n-1', { method: 'PUT', json: { siteId: 'north' } })
    await t.api('/api/v1/cameras/s-1', { method: 'PUT', json: { siteId: 'south' } })
    await send([report('n-1', T - 10 * SEC, healthy), report('s-1', T - 10 * SEC, healthy)])
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'south viewer', role: 'viewer', sites: ['south'] } })
    const viewer = ((await res.json()) as { token: string }).token

    expect((await context('s-1', '', viewer)).online).toBe(true)
    expect(await status('/api/v1/cameras/n-1/health-context', viewer)).toEqual({ status: 404, code: 'not_found' })
    expect(await status('/api/v1/cameras/nobody/health-context')).toEqual({ status: 404, code: 'not_found' })
    for (const at of ['yesterday', '2026-13-01T00:00:00Z', '-5', String(T + 1), new Date(T + HOUR).toISOString()]) {
      expect(await status(`/api/v1/cameras/n-1/health-context?at=${encodeURIComponent(at)}`), at).toEqual({ status: 400, code: 'bad_time' })
    }
    expect((await status('/api/v1/cameras/n-1/health-context?when=1')).status).toBe(400)
    expect(await status('/api/v1/cameras/n-1/health-context', null)).toEqual({ status: 401, code: 'unauthorized' })
    // Epoch ms and RFC 3339 name the same instant.
    expect(await context('n-1', `?at=${T - 5 * SEC}`)).toEqual(await context('n-1', `?at=${new Date(T - 5 * SEC).toISOString()}`))
  })
})
