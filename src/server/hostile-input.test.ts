import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from './test-support/test-server.js'

let t: TestServer
const T0 = Date.now() - 600_000

beforeAll(async () => {
  t = await startTestServer()
  await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
  const res = await t.api('/api/v1/telemetry', {
    method: 'POST',
    json: { reports: Array.from({ length: 20 }, (_, i) => ({ cameraId: 'keeper', seq: i, ts: T0 + i * 1000, metrics: { fps: 25, temperature_c: 40 } })) },
  })
  expect(await res.json()).toMatchObject({ accepted: 20 })
})
afterAll(async () => t.close())

const post = (body: BodyInit, type = 'application/json', path = '/api/v1/telemetry') =>
  t.api(path, { method: 'POST', body, headers: { 'content-type': type } })

async function expectError(res: Response, status: number) {
  expect(res.status).toBe(status)
  const body = (await res.json()) as { error: { code: string; message: string } }
  expect(typeof body.error.code).toBe('string')
  expect(typeof body.error.message).toBe('string')
}

const report = (over: Record<string, unknown>) => ({ cameraId: 'h-1', ts: T0, metrics: { fps: 1 }, ...over })

describe('hostile input', () => {
  it('refuses unreadable bodies with 400 or 413 and keeps nothing of them', async () => {
    await expectError(await post('{"reports":[{"cameraId":"h-x","ts":1,"metrics":{}}'), 400)
    await expectError(await post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 400)
    await expectError(await post(`{"reports":[${'{"a":'.repeat(50)}1${'}'.repeat(50)}]}`), 400)
    await expectError(await post('{"reports":[],"__proto__":{"admin":true}}'), 400)
    await expectError(await post('null'), 400)
    await expectError(await post(new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80])), 400)
    await expectError(await post('', 'application/json'), 400)
    await expectError(await post(`{"reports":[${Array(100_001).fill('{}').join(',')}]}`), 413)
    await expectError(await post('garbage\nmore garbage', 'application/x-ndjson'), 400)
    expect((await t.api('/api/v1/cameras/h-x')).status).toBe(404)
  })

  it('rejects each hostile report by index and keeps the rest', async () => {
    const hostile = [
      JSON.parse('{"cameraId":"h-1","ts":1,"metrics":{"fps":1},"__proto__":{"polluted":true}}'),
      report({ metrics: JSON.parse('{"__proto__":1}') }),
      report({ constructor: { prototype: { polluted: true } } }),
      report({ cameraId: 'x'.repeat(129) }),
      report({ cameraId: '../../etc/passwd' }),
      report({ cameraId: 'ok', metrics: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`m${i}`, i])) }),
      report({ metrics: { fps: 'x'.repeat(100_000) } }),
      report({ metrics: { fps: { nested: 1 } } }),
      report({ metrics: { fps: null } }),
      report({ metrics: { ['a'.repeat(65)]: 1 } }),
      report({ seq: -1 }),
      report({ seq: 1.5 }),
      report({ seq: 2 ** 60 }),
      report({ ts: 'yesterday' }),
      report({ ts: -5 }),
      report({ ts: '2026-02-31T00:00:00Z' }),
      report({ ts: Date.now() + 2 * 3600_000 }),
      report({ cameraid: 'typo' }),
      'a string',
      42,
      null,
      [1, 2],
      report({ cameraId: 'h-good', seq: 1 }),
    ]
    const res = await post(JSON.stringify({ reports: hostile }))
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number; error: string }> }
    expect(answer.accepted).toBe(1)
    expect(answer.rejected.map((r) => r.index)).toEqual(Array.from({ length: hostile.length - 1 }, (_, i) => i))
    for (const r of answer.rejected) expect(r.error.length).toBeLessThan(200)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await t.api('/api/v1/cameras/h-good')).status).toBe(200)
  })

  it('keeps metric names shaped like Object.prototype members as data, or rejects them', async () => {
    const res = await post(
      JSON.stringify({
        reports: [
          { cameraId: 'h-proto', ts: T0, metrics: { constructor: 3, fps: 25 } },
          { cameraId: 'h-proto', ts: T0 + 1000, metrics: { fps: 24 } },
          { cameraId: 'h-proto', ts: T0 + 2000, metrics: { toString: 1 } },
          { cameraId: 'h-proto', ts: T0 + 3000, metrics: JSON.parse('{"__proto__":{"fps":1}}') },
          { cameraId: 'h-proto', ts: T0 + 4000, metrics: { valueOf: 1, hasOwnProperty: 2 } },
        ],
      }),
    )
    expect(res.status).toBe(200)
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number; error: string }> }
    expect(answer.accepted).toBe(2)
    expect(answer.rejected.map((r) => r.index)).toEqual([2, 3, 4])
    expect(answer.rejected[0]?.error).toMatch(/metric name 'toString'/)
    expect(answer.rejected[1]?.error).toMatch(/metric name '__proto__'/)
    const series = (await (await t.api(`/api/v1/cameras/h-proto/series?metric=constructor&from=${T0 - 1}&to=${T0 + 5000}`)).json()) as {
      points: unknown[]
    }
    expect(series.points).toEqual([[T0, 3]])
    expect(({} as Record<string, unknown>).constructor).toBe(Object)
    expect(Object.prototype.toString.call([])).toBe('[object Array]')
  })

  it('rejects NaN and Infinity in line protocol and keeps the good lines', async () => {
    const body = [`m,camera_id=lp-1 fps=NaN ${T0}`, `m,camera_id=lp-1 fps=Inf ${T0}`, `m,camera_id=lp-1 fps=1e400 ${T0}`, `m,camera_id=lp-1 fps=5 ${T0}`].join('\n')
    const res = await post(body, 'text/plain', '/api/v1/write?precision=ms')
    const answer = (await res.json()) as { accepted: number; rejected: Array<{ index: number }> }
    expect(answer.accepted).toBe(1)
    expect(answer.rejected.map((r) => r.index)).toEqual([0, 1, 2])
  })

  it('refuses hostile registry bodies', async () => {
    const put = (path: string, body: string) => t.api(path, { method: 'PUT', body, headers: { 'content-type': 'application/json' } })
    await expectError(await put('/api/v1/sites/evil', '{"name":"x","__proto__":{"admin":true}}'), 400)
    await expectError(await put('/api/v1/sites/evil', '{"name":"x","constructor":{"prototype":{"admin":true}}}'), 400)
    await expectError(await put('/api/v1/sites/evil', `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`), 413)
    await expectError(await put('/api/v1/sites/evil', '{"name":'), 400)
    await expectError(await put(`/api/v1/cameras/${'c'.repeat(300)}`, '{"siteId":"north"}'), 400)
    expect((await t.api('/api/v1/sites/evil')).status).toBe(404)
  })

  it('is still up, with the earlier data intact', async () => {
    expect((await t.api('/healthz')).status).toBe(200)
    const s = (await (await t.api(`/api/v1/cameras/keeper/series?metric=fps&from=${T0}&to=${T0 + 60_000}`)).json()) as { points: unknown[] }
    expect(s.points).toHaveLength(20)
  })
})
