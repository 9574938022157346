import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../core/clock.js'
import type { Report } from '../protocol/report.js'
import { ReportBuffer } from './buffer.js'
import type { Post } from './http-post.js'
import { TokenBucket, backoffDelay } from './pacing.js'
import { ServerClient } from './server-client.js'
import { Uplink } from './uplink.js'

const T0 = Date.now() - 3_600_000
const logger = pino({ level: 'silent' })
const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

interface Sent {
  path: string
  reports: Array<{ cameraId: string; seq: number; ts: number }>
  body: Record<string, unknown>
}

/** A stand-in for the server: `answer` decides each response; every request is recorded. */
function fakeServer(answer: (req: Sent, n: number) => Response | Promise<Response>) {
  const sent: Sent[] = []
  const post: Post = async (url, text) => {
    const body = JSON.parse(text) as Record<string, unknown>
    const req: Sent = { path: url.pathname, reports: (body.reports ?? []) as Sent['reports'], body }
    sent.push(req)
    const res = await answer(req, sent.length)
    return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') ?? undefined }
  }
  return { sent, post }
}

const ok = (req: Sent) => Response.json({ accepted: req.reports.length, duplicates: 0, rejected: [] })
const report = (cameraId: string, ts: number): Report => ({ cameraId, ts, seq: undefined, metrics: { fps: 25 } })

function setup(post: Post, o: { backlogRate?: number; batch?: number; capBytes?: number; backlog?: readonly Report[]; backlogTargetMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'camtel-uplink-'))
  const open = () => ReportBuffer.open({ dir, capBytes: o.capBytes ?? 1 << 30, dedupWindowMs: 60_000, now: Date.now(), sync: 'normal' })
  let buffer = open()
  if (o.backlog) {
    // Buffered before a restart, as through an outage: all of it is backlog now.
    buffer.append(o.backlog, Date.now())
    buffer.close()
    buffer = open()
  }
  const uplink = new Uplink({
    buffer,
    client: new ServerClient({ server: 'http://camtel.test', token: 't', post }),
    clock: systemClock,
    logger,
    limit: { reports: o.batch ?? 100, bytes: 1 << 20 },
    backlogRate: o.backlogRate ?? 1e6,
    retry: { minMs: 5, maxMs: 40 },
    idleMs: 20,
    backlogTargetMs: o.backlogTargetMs,
  })
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanup.push(() => buffer.close())
  cleanup.push(() => uplink.stop())
  return { buffer, uplink }
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const key = (r: { cameraId: string; seq: number; ts: number }) => `${r.cameraId}/${r.seq}/${r.ts}`

describe('Uplink', () => {
  it('deletes what the server stored, drops and counts what it rejected, and keeps nothing else', async () => {
    const server = fakeServer((req) => Response.json({ accepted: req.reports.length - 1, duplicates: 0, rejected: [{ index: 1, error: 'metric bad' }] }))
    const { buffer, uplink } = setup(server.post)
    buffer.append([report('a', T0), report('a', T0 + 1), report('a', T0 + 2)], Date.now())
    uplink.start()
    await until(() => buffer.stats().reports === 0, 'the buffer to empty')
    expect(server.sent).toHaveLength(1)
    expect(buffer.stats()).toMatchObject({ rejected: 1, dropped: 0 })
    expect(uplink.stats().uploaded).toBe(2)
  })

  it('sends a batch again, unchanged, when the answer does not account for every report', async () => {
    const server = fakeServer((req, n) => (n === 1 ? Response.json({ accepted: 1, duplicates: 0, rejected: [] }) : ok(req)))
    const { buffer, uplink } = setup(server.post)
    buffer.append([report('a', T0), report('b', T0), report('c', T0)], Date.now())
    uplink.start()
    await until(() => buffer.stats().reports === 0, 'the buffer to empty')
    expect(server.sent).toHaveLength(2)
    expect(server.sent[1]?.reports.map(key)).toEqual(server.sent[0]?.reports.map(key))
    expect(buffer.stats().rejected).toBe(0)
  })

  it('keeps everything through network failures and 5xx answers, then delivers every report', async () => {
    let down = true
    const acked: string[] = []
    const server = fakeServer((req) => {
      if (down) return req.reports.length % 2 ? Promise.reject(new Error('connect ECONNREFUSED')) : new Response('busy', { status: 503 })
      acked.push(...req.reports.map(key))
      return ok(req)
    })
    const { buffer, uplink } = setup(server.post, { batch: 7 })
    uplink.start()
    for (let i = 0; i < 50; i++) buffer.append([report(`cam-${i % 5}`, T0 + i * 1000)], Date.now())
    uplink.wake()
    await until(() => server.sent.length >= 6, 'a few failed attempts')
    expect(uplink.stats().downSince).toBeDefined()
    expect(buffer.stats().reports).toBe(50)
    down = false
    await until(() => buffer.stats().reports === 0, 'the buffer to empty')
    expect(new Set(acked).size).toBe(50)
    expect(uplink.stats().downSince).toBeUndefined()
    expect(uplink.stats().uploaded).toBe(acked.length)
  })

  it('sends smaller batches after a 413 until a report the server cannot read is alone, then drops it', async () => {
    const server = fakeServer((req) => {
      if (req.reports.length > 4) return Response.json({ error: { code: 'batch_too_large', message: 'too large' } }, { status: 413 })
      if (req.reports.some((r) => r.cameraId === 'poison')) return Response.json({ error: { code: 'unreadable_body', message: 'bad' } }, { status: 400 })
      return ok(req)
    })
    const { buffer, uplink } = setup(server.post, { batch: 16 })
    buffer.append([...Array.from({ length: 15 }, (_, i) => report('a', T0 + i)), report('poison', T0)], Date.now())
    uplink.start()
    await until(() => buffer.stats().reports === 0, 'the buffer to empty')
    expect(buffer.stats().rejected).toBe(1)
    const stored = new Set(server.sent.filter((s) => s.reports.length <= 4 && !s.reports.some((r) => r.cameraId === 'poison')).flatMap((s) => s.reports.map(key)))
    expect(stored.size).toBe(15)
  })

  it('sends reports that arrive during a backlog drain before the backlog is through', async () => {
    const server = fakeServer(ok)
    const backlog = Array.from({ length: 2000 }, (_, i) => report(`old-${i % 10}`, T0 + i * 1000))
    const { buffer, uplink } = setup(server.post, { backlogRate: 200, batch: 50, backlog })
    uplink.start()
    await until(() => server.sent.length >= 2, 'the drain to start')
    buffer.append([report('live', Date.now())], Date.now())
    uplink.wake()
    await until(() => server.sent.some((s) => s.reports.some((r) => r.cameraId === 'live')), 'the live report')
    const before = server.sent.flatMap((s) => s.reports).length
    expect(before).toBeLessThan(1000)
    // The backlog went oldest first.
    const old = server.sent.flatMap((s) => s.reports).filter((r) => r.cameraId !== 'live')
    expect(old.map((r) => r.ts)).toEqual([...old.map((r) => r.ts)].sort((a, b) => a - b))
  })

  it('sends the backlog in smaller batches while the server is slow, and larger again when it is not', async () => {
    let msPerReport = 4
    const server = fakeServer(async (req) => {
      await new Promise((r) => setTimeout(r, req.reports.length * msPerReport))
      return ok(req)
    })
    const backlog = Array.from({ length: 5000 }, (_, i) => report(`old-${i % 10}`, T0 + i * 1000))
    const { uplink } = setup(server.post, { batch: 100, backlog, backlogTargetMs: 200 })
    uplink.start()
    // 100 reports take 400 ms at least, twice the target: the batches shrink to about 50.
    await until(() => server.sent.length >= 5, 'a few slow uploads')
    expect(server.sent[0]?.reports).toHaveLength(100)
    expect(server.sent.at(-1)?.reports.length).toBeLessThanOrEqual(50)
    msPerReport = 0
    const fast = server.sent.length
    await until(() => server.sent.slice(fast).some((s) => s.reports.length === 100), 'full batches once the server is fast')
  })

  it('retries a live report whose upload failed before the backlog, not behind it', async () => {
    let failedLive = false
    const server = fakeServer((req) => {
      if (!failedLive && req.reports.some((r) => r.cameraId === 'live')) {
        failedLive = true
        return Promise.reject(new Error('socket hang up'))
      }
      return ok(req)
    })
    const backlog = Array.from({ length: 2000 }, (_, i) => report(`old-${i % 10}`, T0 + i * 1000))
    const { buffer, uplink } = setup(server.post, { backlogRate: 200, batch: 50, backlog })
    uplink.start()
    await until(() => server.sent.length >= 2, 'the drain to start')
    buffer.append([report('live', Date.now())], Date.now())
    uplink.wake()
    await until(() => server.sent.filter((s) => s.reports.some((r) => r.cameraId === 'live')).length === 2, 'the live report, twice')
    expect(server.sent.flatMap((s) => s.reports).length).toBeLessThan(1000)
  })

  it('delivers gap records before the backlog, retrying them until the server has them', async () => {
    let gapAttempts = 0
    const server = fakeServer((req) => {
      if (req.path === '/api/v1/gaps') return ++gapAttempts === 1 ? new Response('down', { status: 502 }) : new Response('{}', { status: 201 })
      return ok(req)
    })
    const { buffer, uplink } = setup(server.post, { capBytes: 2000, backlog: Array.from({ length: 40 }, (_, i) => report('a', T0 + i * 1000)) })
    expect(buffer.stats().gapsPending).toBe(1)
    uplink.start()
    await until(() => buffer.stats().reports === 0 && buffer.stats().gapsPending === 0, 'reports and gap delivered')
    const gaps = server.sent.filter((s) => s.path === '/api/v1/gaps')
    expect(gaps).toHaveLength(2)
    expect(gaps[1]?.body).toEqual({ cameraId: 'a', from: T0, to: expect.any(Number), reports: buffer.stats().dropped })
    expect(server.sent.findIndex((s) => s.path === '/api/v1/telemetry')).toBeGreaterThan(server.sent.indexOf(gaps[1] as Sent))
  })
})

describe('pacing', () => {
  it('backs off exponentially up to the cap, with jitter in the upper half of each step', () => {
    const policy = { minMs: 100, maxMs: 1600 }
    const low = [0, 1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, policy, () => 0))
    const high = [0, 1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, policy, () => 1))
    expect(low).toEqual([50, 100, 200, 400, 800, 800, 800])
    expect(high).toEqual([100, 200, 400, 800, 1600, 1600, 1600])
  })

  it('paces the backlog to its rate after a one-second burst', () => {
    let now = 0
    const bucket = new TokenBucket(1000, () => now)
    expect(bucket.reserve(1000)).toBe(0)
    expect(bucket.reserve(500)).toBe(500)
    now = 500
    expect(bucket.reserve(500)).toBe(500)
    now = 10_000
    expect(bucket.reserve(200)).toBe(0) // idle time accrues at most one second's worth
    expect(bucket.reserve(900)).toBe(100)
  })
})
