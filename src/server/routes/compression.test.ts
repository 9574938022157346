import { get } from 'node:http'
import { Readable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { installCompression } from '../compression.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../test-support/test-server.js'

/** Response compression (src/server/compression.ts) must shrink answers and leave ingest and the stream alone. */
describe('compressed answers', () => {
  let t: TestServer

  beforeAll(async () => {
    t = await startTestServer()
    expect((await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })).status).toBe(201)
    const reports = Array.from({ length: 200 }, (_, i) => ({ cameraId: `cam-${i}`, ts: Date.now(), metrics: { fps: 25, temperature_c: 40 + (i % 7), disk_used_pct: 70 } }))
    expect((await t.api('/api/v1/telemetry', { method: 'POST', json: { reports } })).status).toBe(200)
  })
  afterAll(async () => {
    await t.close()
  })

  it('gzips a large JSON answer for a client that asks, and not for one that does not', async () => {
    const zipped = await t.api('/api/v1/cameras?limit=1000', { headers: { 'accept-encoding': 'gzip' } })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    const plain = await t.api('/api/v1/cameras?limit=1000', { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers.get('content-encoding')).toBeNull()
    const body = (await plain.json()) as { cameras: unknown[] }
    expect(body.cameras).toHaveLength(200)
    // fetch decodes gzip itself; the raw size shows the saving.
    const raw = await rawGet(`${t.url}/api/v1/cameras?limit=1000`)
    expect(JSON.parse(gunzipSync(raw.body).toString())).toEqual(body)
    expect(raw.body.length).toBeLessThan(JSON.stringify(body).length / 4)
  })

  it("gzips the dashboard's files, which decode to the same bytes", async () => {
    const index = await (await fetch(`${t.url}/`)).text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1]
    // web/dist is there in a built checkout (npm install builds it).
    if (script === undefined) return
    const plain = Buffer.from(await (await fetch(`${t.url}${script}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer())
    const raw = await rawGet(`${t.url}${script}`)
    expect(raw.encoding).toBe('gzip')
    expect(gunzipSync(raw.body).equals(plain)).toBe(true)
    expect(raw.body.length).toBeLessThan(plain.length / 2)
  })

  it('takes NDJSON telemetry as before', async () => {
    const body = [0, 1, 2].map((i) => JSON.stringify({ cameraId: 'nd-1', seq: i, ts: Date.now() - 1000 * (3 - i), metrics: { fps: 25 } })).join('\n')
    const res = await t.api('/api/v1/telemetry', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', 'accept-encoding': 'gzip' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] })
  })

  it('still upgrades the live stream, and its events arrive', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/stream?token=${ADMIN_TOKEN}`, { headers: { 'accept-encoding': 'gzip' } })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const got = new Promise<{ topic: string; cameraId: string }>((resolve) => {
      ws.on('message', (raw) => {
        const msgs = [JSON.parse(String(raw))].flat() as Array<{ type: string; topic: string; cameraId: string }>
        const e = msgs.find((m) => m.type === 'event' && m.cameraId === 'ws-1')
        if (e) resolve(e)
      })
    })
    ws.send(JSON.stringify({ type: 'subscribe', topics: ['telemetry'] }))
    await new Promise((r) => setTimeout(r, 100))
    await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'ws-1', ts: Date.now(), metrics: { fps: 25 } }] } })
    expect(await got).toMatchObject({ topic: 'telemetry', cameraId: 'ws-1' })
    ws.close()
  })
})

describe('a compressed stream whose source fails', () => {
  it('cuts the answer off and closes the connection instead of leaving it hanging', async () => {
    const app = Fastify({ logger: false })
    installCompression(app)
    app.get('/file', (_req, reply) => {
      let sent = 0
      const source = new Readable({
        read() {
          if (sent++ < 3) this.push(Buffer.alloc(4096, 'a'))
          else this.destroy(new Error('disk read failed'))
        },
      })
      return reply.type('text/plain').send(source)
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('hung'), 3000)
        get(`${url}/file`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          res.on('data', () => undefined)
          res.on('error', () => undefined)
          res.on('close', () => {
            clearTimeout(timer)
            // Before any byte went out the failure is an error answer; after, the cut is the signal.
            resolve(res.complete ? `ended ${res.statusCode}` : 'cut off')
          })
        }).on('error', () => resolve('cut off'))
      })
      expect(['cut off', 'ended 500']).toContain(outcome)
    } finally {
      await app.close()
    }
  })
})

/** The answer's bytes as sent, undecoded. */
function rawGet(url: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip', authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}
