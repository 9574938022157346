import { afterEach, describe, expect, it, vi } from 'vitest'
import { ManualClock } from '../../core/clock.js'
import type { Config } from '../../config/index.js'
import { parsePrometheusText, sampleValue } from '../test-support/prometheus-text.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const T = Date.UTC(2026, 10, 24, 12, 0, 0)
const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

let t: TestServer
let clock: ManualClock

async function start(overrides: Partial<Config> = {}) {
  clock = new ManualClock(T)
  t = await startTestServer(overrides, { clock })
}
afterEach(async () => {
  await t.close()
})

async function send(reports: unknown[]) {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })
  expect(res.status).toBe(200)
  return (await res.json()) as { accepted: number; duplicates: number }
}

interface Series {
  cameraId: string
  metric: string
  tier: string
  points: Array<[number, number]>
  stats?: Array<[number, number, number, number]>
}

async function series(query: string): Promise<Series> {
  const res = await t.api(`/api/v1/cameras/cam/series?${query}`)
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Series
}

describe('history tiers', () => {
  it('a late report changes the 1-minute and 1-hour rollups it falls in', async () => {
    await start()
    const m = T - 30 * MIN
    await send([0, 1, 2].map((i) => ({ cameraId: 'cam', seq: i, ts: m + i * 10_000, metrics: { fps: 20 } })))
    await send([{ cameraId: 'cam', seq: 3, ts: m + MIN, metrics: { fps: 30 } }])
    const range = `metric=fps&from=${T - HOUR}&to=${T}`
    const minute = await series(`${range}&step=1m`)
    expect(minute).toEqual({
      cameraId: 'cam',
      metric: 'fps',
      tier: '1m',
      points: [
        [m, 20],
        [m + MIN, 30],
      ],
      stats: [
        [m, 20, 20, 3],
        [m + MIN, 30, 30, 1],
      ],
    })
    expect((await series(`${range}&step=1h`)).stats).toEqual([[T - HOUR, 20, 30, 4]])

    // Ten minutes later, a report that belongs to the first minute arrives.
    clock.advance(10 * MIN)
    expect(await send([{ cameraId: 'cam', seq: 4, ts: m + 45_000, metrics: { fps: 80 } }])).toMatchObject({ accepted: 1 })
    const after = await series(`${range}&step=1m`)
    expect(after.points).toEqual([
      [m, 35],
      [m + MIN, 30],
    ])
    expect(after.stats).toEqual([
      [m, 20, 80, 4],
      [m + MIN, 30, 30, 1],
    ])
    const hour = await series(`${range}&step=1h`)
    expect(hour).toMatchObject({ tier: '1h', points: [[T - HOUR, 34]], stats: [[T - HOUR, 20, 80, 5]] })
    // A duplicate of the late report changes nothing.
    expect(await send([{ cameraId: 'cam', seq: 4, ts: m + 45_000, metrics: { fps: 80 } }])).toMatchObject({ accepted: 0, duplicates: 1 })
    expect((await series(`${range}&step=1h`)).stats).toEqual([[T - HOUR, 20, 80, 5]])
  })

  it('answers a 30-day range from the 1-hour rollups without reading raw rows', async () => {
    await start()
    // Every six hours for 30 days (older than the 7-day raw retention: accepted, DESIGN §2),
    // and the last minutes every 10 s.
    const old = Array.from({ length: 120 }, (_, i) => ({ cameraId: 'cam', seq: i, ts: T - 30 * DAY + i * 6 * HOUR, metrics: { temperature_c: 40 + (i % 4) } }))
    const recent = Array.from({ length: 30 }, (_, i) => ({ cameraId: 'cam', seq: 1000 + i, ts: T - 5 * MIN + i * 10_000, metrics: { temperature_c: 50 } }))
    await send([...old, ...recent])
    const readRaw = vi.spyOn(t.server.store.telemetry, 'readSeries')

    const month = await series(`metric=temperature_c&from=${new Date(T - 30 * DAY).toISOString()}&to=${T}`)
    expect(month.tier).toBe('1h')
    expect(month.points).toHaveLength(121)
    expect(month.points[0]).toEqual([T - 30 * DAY, 40])
    expect(month.points[3]).toEqual([T - 30 * DAY + 18 * HOUR, 43])
    expect(month.points.at(-1)).toEqual([T - HOUR, 50])
    expect(month.stats?.at(-1)).toEqual([T - HOUR, 50, 50, 30])

    const daily = await series(`metric=temperature_c&from=${T - 30 * DAY}&to=${T}&step=1d`)
    expect(daily.tier).toBe('1h')
    // Days are aligned to UTC midnight: the first holds the 12:00 and 18:00 reports.
    expect(daily.stats?.[0]).toEqual([T - 30 * DAY - 12 * HOUR, 40, 41, 2])
    expect(daily.stats?.[1]).toEqual([T - 29 * DAY - 12 * HOUR, 40, 43, 4])
    expect(daily.points[1]).toEqual([T - 29 * DAY - 12 * HOUR, 41.5])
    expect(daily.stats?.reduce((n, s) => n + s[3], 0)).toBe(150)
    expect(readRaw).not.toHaveBeenCalled()

    // The last hour alone is still raw.
    const lastHour = await series(`metric=temperature_c&from=${T - HOUR}&to=${T}`)
    expect(lastHour.tier).toBe('raw')
    expect(lastHour.points).toHaveLength(30)
    expect(lastHour.stats).toBeUndefined()
  })

  it('deletes data past each tier retention in the background; rollups outlive their raw rows', async () => {
    await start({ retentionRaw: HOUR / 1000, retention1m: (2 * HOUR) / 1000, retention1h: (30 * DAY) / 1000 })
    const start0 = T - 20 * MIN
    await send(Array.from({ length: 30 }, (_, i) => ({ cameraId: 'cam', seq: i, ts: start0 + i * 10_000, metrics: { fps: i % 2 ? 24 : 26 } })))
    const range = `metric=fps&from=${start0}&to=${start0 + 10 * MIN}`
    expect(await series(range)).toMatchObject({ tier: 'raw', points: expect.any(Array) })
    expect((await series(range)).points).toHaveLength(30)

    // 90 minutes on: past the raw retention (1 h), within the minute retention (2 h).
    clock.advance(90 * MIN)
    expect(await t.server.history.retention.runNow()).toEqual({ raw: 30, '1m': 0, '1h': 0 })
    expect(await t.server.store.telemetry.countReports('cam')).toBe(0)
    const minutes = await series(range)
    expect(minutes.tier).toBe('1m')
    expect(minutes.stats?.map((s) => s[3])).toEqual([6, 6, 6, 6, 6])
    expect(minutes.points.every(([, v]) => v === 25)).toBe(true)

    // Another hour: past the minute retention too; the hour bucket remains.
    clock.advance(HOUR)
    expect(await t.server.history.retention.runNow()).toEqual({ raw: 0, '1m': 5, '1h': 0 })
    const hours = await series(`${range}&step=1m`)
    expect(hours).toMatchObject({ tier: '1h', points: [[T - HOUR, 25]], stats: [[T - HOUR, 24, 26, 30]] })

    const metrics = parsePrometheusText(await (await t.api('/metrics')).text())
    expect(sampleValue(metrics, 'camtel_retention_deleted_rows_total', { tier: 'raw' })).toBe(30)
    expect(sampleValue(metrics, 'camtel_retention_deleted_rows_total', { tier: '1m' })).toBe(5)

    // 30 days on, nothing is left.
    clock.advance(30 * DAY)
    expect(await t.server.history.retention.runNow()).toEqual({ raw: 0, '1m': 0, '1h': 1 })
    expect((await series(`${range}&step=1h`)).points).toEqual([])
  })

  it('keeps acknowledged reports for the rollups across a kill, and folds them in on restart', async () => {
    await start()
    const dataDir = t.dataDir
    await t.server.history.stop()
    await send([{ cameraId: 'cam', seq: 1, ts: T - 10 * MIN, metrics: { fps: 12 } }])
    // No graceful shutdown of the history: the reports are only in the journal.
    await t.close({ keepData: true })
    clock = new ManualClock(T)
    t = await startTestServer({}, { clock, dataDir })
    const s = await series(`metric=fps&from=${T - HOUR}&to=${T}&step=1h`)
    expect(s.stats).toEqual([[T - HOUR, 12, 12, 1]])
  })
})
