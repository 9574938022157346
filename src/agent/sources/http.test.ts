import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../core/clock.js'
import { type Batch, ReportBuffer } from '../buffer.js'
import { Intake } from '../intake.js'
import * as server from '../../server/routes/telemetry.js'
import { HttpSource, MAX_BATCH_REPORTS, MAX_INGEST_BODY } from './http.js'

const dir = mkdtempSync(join(tmpdir(), 'camtel-agent-http-'))
const buffer = ReportBuffer.open({ dir, capBytes: 1 << 30, dedupWindowMs: 600_000, now: Date.now(), sync: 'normal' })
const intake = new Intake({ buffer, clock: systemClock })
const source = new HttpSource({ port: 0, host: '127.0.0.1', token: 'local-secret', logger: pino({ level: 'silent' }), now: () => Date.now(), status: () => ({ buffered: buffer.stats().reports }) })
let url: string

beforeAll(async () => {
  await source.start(intake)
  url = `http://127.0.0.1:${source.port}`
})
afterAll(async () => {
  await source.stop()
  buffer.close()
  rmSync(dir, { recursive: true, force: true })
})

const post = (path: string, body: string, type: string, token: string | null = 'local-secret') =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body })

/** Empties the buffer and returns what was in it. */
function takeAll(): Array<{ cameraId: string; seq: number; ts: number; metrics: Record<string, number> }> {
  const rows: string[] = []
  for (const take of [() => buffer.takeBacklog({ reports: 1e6, bytes: 1 << 30 }), () => buffer.takeLive({ reports: 1e6, bytes: 1 << 30 })]) {
    const batch = take() as Batch | undefined
    if (!batch) continue
    rows.push(...batch.rows.map((r) => r.body))
    buffer.settle(batch, batch.rows.map(() => 'stored'))
  }
  return rows.map((b) => JSON.parse(b) as never)
}

describe('the agent HTTP receiver', () => {
  const ts = Date.now() - 60_000

  it("answers a JSON batch with the server's answer once its good reports are buffered", async () => {
    const res = await post('/api/v1/telemetry', JSON.stringify({ reports: [{ cameraId: 'c1', ts, metrics: { fps: 25, recording: true } }, { cameraId: 'c1', ts, metrics: { fps: 'fast' } }] }), 'application/json')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, error: "metric 'fps' must be a finite number or a boolean" }] })
    // Synchronous append: by the time the answer exists, the report is committed.
    expect(takeAll()).toEqual([{ cameraId: 'c1', seq: 0, ts, metrics: { fps: 25, recording: 1 } }])
  })

  it('takes NDJSON and line protocol, and answers a retried batch as duplicates', async () => {
    const ndjson = `{"cameraId":"c2","ts":${ts},"metrics":{"fps":24}}\n{"cameraId":"c2","seq":9,"ts":${ts + 1000},"metrics":{"fps":23}}\n`
    expect(await (await post('/api/v1/telemetry', ndjson, 'application/x-ndjson')).json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    expect(await (await post('/api/v1/telemetry', ndjson, 'application/x-ndjson')).json()).toEqual({ accepted: 0, duplicates: 2, rejected: [] })
    const line = `camera,camera_id=c3 fps=25,temperature_c=41.5 ${ts * 1_000_000}\n`
    expect(await (await post('/api/v1/write', line, 'text/plain')).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    expect(takeAll().map((r) => [r.cameraId, r.seq])).toEqual([
      ['c2', 0],
      ['c2', 9],
      ['c3', 0],
    ])
  })

  it('refuses unreadable, unsupported, oversized and unauthenticated bodies, keeping nothing of them', async () => {
    const status = async (res: Promise<Response>) => {
      const r = await res
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code]
    }
    expect(await status(post('/api/v1/telemetry', '{"reports":', 'application/json'))).toEqual([400, 'unreadable_body'])
    expect(await status(post('/api/v1/telemetry', '{}', 'text/csv'))).toEqual([400, 'unsupported_media_type'])
    expect(await status(post('/api/v1/telemetry', ' '.repeat(16 * 1024 * 1024 + 1), 'application/json'))).toEqual([413, 'payload_too_large'])
    expect(await status(post('/api/v1/telemetry', '{"reports":[]}', 'application/json', null))).toEqual([401, 'unauthorized'])
    expect(await status(post('/api/v1/telemetry', '{"reports":[]}', 'application/json', 'wrong'))).toEqual([401, 'unauthorized'])
    expect(await status(fetch(`${url}/api/v1/cameras`))).toEqual([404, 'not_found'])
    expect(buffer.stats().reports).toBe(0)
  })

  it("holds to the server's body and batch limits", () => {
    expect([MAX_INGEST_BODY, MAX_BATCH_REPORTS]).toEqual([server.MAX_INGEST_BODY, server.MAX_BATCH_REPORTS])
  })

  it('shows its state on /healthz without a token', async () => {
    const res = await fetch(`${url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, buffered: 0 })
  })
})
