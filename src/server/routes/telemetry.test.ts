import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

const now = () => Date.now() - 60_000
let t: TestServer

beforeEach(async () => {
  t = await startTestServer()
})
afterEach(async () => {
  await t.close()
})

function mixedBatch(ts: number) {
  return [
    { cameraId: 'lobby-01', seq: 1, ts: new Date(ts).toISOString(), metrics: { fps: 24.8, temperature_c: 51.5, tamper: false } },
    { cameraId: 'lobby-01', seq: 2, ts: ts + 10_000, metrics: { fps: 25 } },
    { cameraId: 'bad id!', seq: 1, ts, metrics: { fps: 1 } },
    { cameraId: 'lobby-02', ts, metrics: { fps: 'fast' } },
    { cameraId: 'lobby-02', ts, metrics: { fps: 20 }, extra: 1 },
    { cameraId: 'lobby-02', ts: ts + 7_200_000 + 60_000 * 5, metrics: { fps: 20 } },
    { cameraId: 'lobby-02', seq: 9, ts, metrics: { fps: 20, custom_metric_1: 3 } },
  ]
}

async function series(cameraId: string, metric: string, from: number, to: number) {
  const res = await t.api(`/api/v1/cameras/${cameraId}/series?metric=${metric}&from=${from}&to=${to}`)
  expect(res.status).toBe(200)
  return (await res.json()) as { tier: string; points: Array<[number, number]> }
}

describe('POST /api/v1/telemetry', () => {
  it('keeps the good reports of a batch, names each bad one by index, and treats a resend as duplicates', async () => {
    const ts = now()
    const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: mixedBatch(ts) } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number; duplicates: number; rejected: Array<{ index: number; error: string }> }
    expect(body.accepted).toBe(3)
    expect(body.duplicates).toBe(0)
    expect(body.rejected.map((r) => r.index)).toEqual([2, 3, 4, 5])
    expect(body.rejected[0]?.error).toMatch(/cameraId/)
    expect(body.rejected[1]?.error).toMatch(/fps/)
    expect(body.rejected[2]?.error).toMatch(/unknown field 'extra'/)
    expect(body.rejected[3]?.error).toMatch(/ahead/)

    const again = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: mixedBatch(ts) } })
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 3 })

    expect((await series('lobby-01', 'fps', ts - 1, ts + 20_000)).points).toEqual([
      [ts, 24.8],
      [ts + 10_000, 25],
    ])
  })

  it('auto-registers unknown cameras in the unassigned site and shows their latest metrics', async () => {
    const ts = now()
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: mixedBatch(ts) } })
    const res = await t.api('/api/v1/cameras/lobby-01')
    expect(res.status).toBe(200)
    const cam = (await res.json()) as Record<string, unknown>
    expect(cam).toMatchObject({ id: 'lobby-01', siteId: 'unassigned', status: 'ok', alerts: [], predictions: [] })
    expect(cam.metrics).toEqual({ fps: 25, temperature_c: 51.5, tamper: 0, online: 1 })
    expect(typeof cam.lastSeen).toBe('string')
  })

  it('accepts NDJSON with the same result as a JSON batch', async () => {
    const ts = now()
    const body = mixedBatch(ts).map((r) => JSON.stringify(r)).join('\n')
    const res = await t.api('/api/v1/telemetry', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } })
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(3)
    expect(answer.rejected.map((r) => r.index)).toEqual([2, 3, 4, 5])
    const again = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: mixedBatch(ts) } })
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 3 })
  })

  it('counts a restarted sequence counter as a new report', async () => {
    const ts = now()
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'c1', seq: 1, ts, metrics: { fps: 25 } }] } })
    const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'c1', seq: 1, ts: ts + 5000, metrics: { fps: 24 } }] } })
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0 })
    const metrics = await (await t.api('/metrics')).text()
    expect(metrics).toMatch(/^camtel_sequence_resets_total 1$/m)
  })

  it('answers 400 with error.code to malformed JSON and keeps running', async () => {
    const res = await t.api('/api/v1/telemetry', { method: 'POST', body: '{"reports": [', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('unreadable_body')
    expect(body.error.message).toBeTruthy()
    for (const bad of ['[]', '"x"', '{"reports": {}}', '{"reports": [], "more": 1}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]']) {
      const r = await t.api('/api/v1/telemetry', { method: 'POST', body: bad, headers: { 'content-type': 'application/json' } })
      expect(r.status, bad).toBe(400)
    }
    expect((await t.api('/healthz')).status).toBe(200)
  })

  it('answers 400 to an unsupported content type and to a missing body', async () => {
    const r1 = await t.api('/api/v1/telemetry', { method: 'POST', body: 'x', headers: { 'content-type': 'text/csv' } })
    expect(r1.status).toBe(400)
    const r2 = await t.api('/api/v1/telemetry', { method: 'POST' })
    expect(r2.status).toBe(400)
    expect(((await r2.json()) as { error: { code: string } }).error.code).toBeTruthy()
  })

  it('answers 413 to a 64 MiB body, keeps nothing of it, and keeps running', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 0x20)
    big.write('{"reports":[{"cameraId":"huge","ts":1,"metrics":{"fps":1}}],"pad":"', 0)
    const res = await t.api('/api/v1/telemetry', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
    expect((await t.api('/api/v1/cameras/huge')).status).toBe(404)
    expect((await t.api('/healthz')).status).toBe(200)
  })

  it('refuses telemetry without a valid token', async () => {
    const body = { reports: [{ cameraId: 'c1', ts: now(), metrics: { fps: 1 } }] }
    expect((await t.api('/api/v1/telemetry', { method: 'POST', json: body, token: null })).status).toBe(401)
    expect((await t.api('/api/v1/telemetry', { method: 'POST', json: body, token: 'ct_wrong' })).status).toBe(401)
    expect((await t.api('/api/v1/cameras/c1')).status).toBe(404)
  })
})

describe('POST /api/v1/write (line protocol)', () => {
  it('gives the same result as JSON, line by line', async () => {
    const ts = now()
    const ns = (ms: number) => `${ms}000000`
    const body = [
      `camera,camera_id=lobby-01,seq=1 fps=24.8,temperature_c=51.5,tamper=false ${ns(ts)}`,
      `camera,camera_id=lobby-01,seq=2 fps=25 ${ns(ts + 10_000)}`,
      `camera,camera_id=bad\\ id!,seq=1 fps=1 ${ns(ts)}`,
      `camera,camera_id=lobby-02 fps="fast" ${ns(ts)}`,
      `camera fps=20 ${ns(ts)}`,
      `camera,camera_id=lobby-02 fps=20 ${ns(ts + 7_200_000 + 300_000)}`,
      `camera,camera_id=lobby-02,seq=9 fps=20,custom_metric_1=3i ${ns(ts)}`,
    ].join('\n')
    const res = await t.api('/api/v1/write', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(3)
    expect(answer.rejected.map((r) => r.index)).toEqual([2, 3, 4, 5])
    const again = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: mixedBatch(ts) } })
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 3 })
  })

  it('honours the precision parameter', async () => {
    const ts = Math.floor(now() / 1000) * 1000
    const res = await t.api(`/api/v1/write?precision=s`, { method: 'POST', body: `m,camera_id=p1 fps=5 ${ts / 1000}` })
    expect(await res.json()).toMatchObject({ accepted: 1 })
    expect((await series('p1', 'fps', ts, ts)).points).toEqual([[ts, 5]])
    const bad = await t.api(`/api/v1/write?precision=fortnight`, { method: 'POST', body: `m,camera_id=p1 fps=5` })
    expect(bad.status).toBe(400)
  })
})

describe('gzip request bodies (Content-Encoding)', () => {
  const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

  it('reads gzip JSON, NDJSON and line protocol as if sent plain', async () => {
    const ts = now()
    const json = gzipSync(JSON.stringify({ reports: [{ cameraId: 'gz-1', seq: 1, ts, metrics: { fps: 24.5 } }] }))
    const r1 = await t.api('/api/v1/telemetry', { method: 'POST', body: json, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
    expect(await r1.json()).toMatchObject({ accepted: 1, rejected: [] })
    const nd = gzipSync(`${JSON.stringify({ cameraId: 'gz-2', ts, metrics: { fps: 12 } })}\n`)
    const r2 = await t.api('/api/v1/telemetry', { method: 'POST', body: nd, headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'GZIP' } })
    expect(await r2.json()).toMatchObject({ accepted: 1 })
    const line = gzipSync(`camera,camera_id=gz-3 fps=7 ${ts}000000`)
    const r3 = await t.api('/api/v1/write', { method: 'POST', body: line, headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } })
    expect(await r3.json()).toMatchObject({ accepted: 1 })
    expect((await series('gz-1', 'fps', ts, ts)).points).toEqual([[ts, 24.5]])
    expect((await series('gz-3', 'fps', ts, ts)).points).toEqual([[ts, 7]])
  })

  it('answers 400 to a body that is not gzip and to an encoding it does not read, and keeps nothing', async () => {
    const body = JSON.stringify({ reports: [{ cameraId: 'gz-bad', ts: now(), metrics: { fps: 1 } }] })
    const notGzip = await t.api('/api/v1/telemetry', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
    expect(notGzip.status).toBe(400)
    expect(await code(notGzip)).toBe('unreadable_body')
    const cut = gzipSync(body).subarray(0, 20)
    const truncated = await t.api('/api/v1/telemetry', { method: 'POST', body: cut, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
    expect(truncated.status).toBe(400)
    const br = await t.api('/api/v1/telemetry', { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } })
    expect(br.status).toBe(400)
    expect(await code(br)).toBe('unsupported_encoding')
    expect((await t.api('/api/v1/cameras/gz-bad')).status).toBe(404)
  })

  it('answers 413 to a small body that inflates past 16 MiB, keeps nothing, and keeps running', async () => {
    const inner = Buffer.alloc(64 * 1024 * 1024, 0x20)
    inner.write('{"reports":[{"cameraId":"bomb","ts":1,"metrics":{"fps":1}}],"pad":"', 0)
    const bomb = gzipSync(inner, { level: 9 })
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const res = await t.api('/api/v1/telemetry', { method: 'POST', body: bomb, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
    expect(res.status).toBe(413)
    expect(await code(res)).toBe('payload_too_large')
    expect((await t.api('/api/v1/cameras/bomb')).status).toBe(404)
    expect((await t.api('/healthz')).status).toBe(200)
  })
})
