import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/clock.js'
import { type PromFamily, parsePrometheusText, sampleValue } from '../test-support/prometheus-text.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const T = Date.UTC(2026, 10, 24, 12, 0, 0)
let t: TestServer
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(T)
  t = await startTestServer({}, { clock })
})
afterEach(async () => {
  await t.close()
})

async function scrape(): Promise<Map<string, PromFamily>> {
  const res = await t.api('/metrics')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  return parsePrometheusText(await res.text())
}

const value = (m: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}) => sampleValue(m, name, labels) ?? 0

describe('GET /metrics', () => {
  it('shows ingest, rejects, duplicates, resets, write latency, queues, rollup lag and database size moving', async () => {
    // The background roller stays still, so that the backlog can be seen before it is folded in.
    await t.server.history.roller.stop()
    const before = await scrape()
    for (const name of ['camtel_rollup_pending_reports', 'camtel_rollup_lag_seconds', 'camtel_database_bytes', 'camtel_retention_deleted_rows_total', 'camtel_queue_depth']) {
      expect(before.has(name), name).toBe(true)
    }
    expect(before.get('camtel_reports_accepted_total')?.type).toBe('counter')
    expect(before.get('camtel_rollup_lag_seconds')?.type).toBe('gauge')

    const good = (seq: number, ts: number) => ({ cameraId: 'lobby-1', seq, ts, metrics: { fps: 25, temperature_c: 41.5, recording: true } })
    const res = await t.api('/api/v1/telemetry', {
      method: 'POST',
      json: { reports: [good(1, T - 20_000), good(2, T - 10_000), { ...good(3, T), colour: 'red' }, good(2, T - 10_000)] },
    })
    expect(await res.json()).toMatchObject({ accepted: 2, duplicates: 1 })
    await t.api('/api/v1/write', { method: 'POST', body: `camera,camera_id=lobby-2,seq=1 fps=24 ${T}000000\ncamera,camera_id=lobby-2 fps="x"` })
    // seq 1 again with another ts: the camera's counter restarted.
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [good(1, T - 5_000)] } })
    clock.advance(4_000)

    const after = await scrape()
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels)
    expect(delta('camtel_reports_accepted_total', { source: 'json' })).toBe(3)
    expect(delta('camtel_reports_accepted_total', { source: 'line' })).toBe(1)
    expect(delta('camtel_samples_accepted_total')).toBe(10)
    expect(delta('camtel_reports_rejected_total', { source: 'json', reason: 'unknown_field' })).toBe(1)
    const lineRejects = (m: Map<string, PromFamily>) =>
      (m.get('camtel_reports_rejected_total')?.samples ?? []).filter((s) => s.labels.source === 'line').reduce((n, s) => n + s.value, 0)
    expect(lineRejects(after) - lineRejects(before)).toBe(1)
    expect(delta('camtel_reports_duplicate_total', { source: 'json' })).toBe(1)
    expect(delta('camtel_sequence_resets_total')).toBe(1)
    expect(delta('camtel_store_write_seconds_count')).toBe(3)
    expect(value(after, 'camtel_queue_depth', { queue: 'ingest' })).toBe(0)
    expect(value(after, 'camtel_rollup_pending_reports')).toBe(4)
    expect(value(after, 'camtel_rollup_lag_seconds')).toBe(4)
    expect(value(after, 'camtel_database_bytes')).toBeGreaterThan(0)

    // Reading a rollup tier folds the backlog in.
    expect((await t.api(`/api/v1/cameras/lobby-1/series?metric=fps&from=${T - 60_000}&to=${T}&step=1m`)).status).toBe(200)
    const folded = await scrape()
    expect(value(folded, 'camtel_rollup_pending_reports')).toBe(0)
    expect(value(folded, 'camtel_rollup_lag_seconds')).toBe(0)
    expect(value(folded, 'camtel_rollup_reports_total') - value(before, 'camtel_rollup_reports_total')).toBe(4)
    expect(value(folded, 'camtel_rollup_step_seconds_count')).toBeGreaterThan(0)
  })

  it('is refused without a token', async () => {
    expect((await t.api('/metrics', { token: null })).status).toBe(401)
  })
})
