import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { validateReport } from '../protocol/report.js'
import { createFleet } from './fleet.js'
import { MAX_BATCH, backfill, runSimulator } from './sender.js'
import type { SimLogger } from './uploader.js'

interface Received {
  method: string
  url: string
  auth: string | undefined
  contentType: string | undefined
  body: unknown
  status: number
}

interface WireReportLike {
  cameraId: string
  seq: number
  ts: string
  metrics: Record<string, number | boolean>
}

type Answer = { status: number; body?: unknown } | 'hang'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** A stand-in camtel server on 127.0.0.1 that records what it took. */
async function startServer(answer: (r: Received) => Answer = () => ({ status: 200 })) {
  const requests: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text === '' ? undefined : JSON.parse(text),
        status: 0,
      }
      const a = answer(r)
      if (a === 'hang') return
      r.status = a.status
      requests.push(r)
      const reports = (r.body as { reports?: unknown[] } | undefined)?.reports
      const body = a.body ?? (reports ? { accepted: reports.length, duplicates: 0, rejected: [] } : {})
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const telemetry = (): WireReportLike[][] =>
    requests
      .filter((r) => r.url === '/api/v1/telemetry' && r.status === 200)
      .map((r) => (r.body as { reports: WireReportLike[] }).reports)
  return { url, requests, telemetry }
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 5))
  }
}

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn'; msg: string; obj: Record<string, unknown> }> = []
  const logger: SimLogger = {
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  }
  return { logger, lines }
}

/** Every camera's seqs in the order the server took them. */
function seqsByCamera(batches: WireReportLike[][]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const r of batches.flat()) out.set(r.cameraId, [...(out.get(r.cameraId) ?? []), r.seq])
  return out
}

describe('runSimulator', () => {
  it('registers every site and camera, then posts well-formed batches with increasing seq', async () => {
    const srv = await startServer()
    const fleet = createFleet({ cameras: 12, seed: 2 })
    const ac = new AbortController()
    const startedAt = Date.now()
    const done = runSimulator({ server: `${srv.url}/`, token: 's3cret', cameras: 12, seed: 2, intervalS: 0.1, signal: ac.signal })
    await waitFor(() => srv.telemetry().length >= 4)
    ac.abort()
    await done

    const puts = srv.requests.filter((r) => r.method === 'PUT')
    expect(puts.map((r) => r.url).sort()).toEqual(
      [...fleet.sites.map((s) => `/api/v1/sites/${s.id}`), ...fleet.cameras.map((c) => `/api/v1/cameras/${c.id}`)].sort(),
    )
    for (const s of fleet.sites) {
      const put = puts.find((r) => r.url === `/api/v1/sites/${s.id}`)
      expect(put?.body).toEqual({ name: s.name, lat: s.lat, lon: s.lon, timezone: s.timezone, uplinkMbps: s.uplinkMbps })
    }
    for (const c of fleet.cameras) {
      const put = puts.find((r) => r.url === `/api/v1/cameras/${c.id}`)
      const { name, siteId, lat, lon, model, firmware, tags } = c
      expect(put?.body).toEqual({ name, siteId, lat, lon, model, firmware, tags })
    }
    const firstPost = srv.requests.findIndex((r) => r.method === 'POST')
    expect(srv.requests.slice(firstPost).every((r) => r.method === 'POST')).toBe(true)
    for (const r of srv.requests) {
      expect(r.auth).toBe('Bearer s3cret')
      expect(r.contentType).toBe('application/json')
    }

    const batches = srv.telemetry()
    for (const r of srv.requests.filter((x) => x.method === 'POST')) {
      expect(r.url).toBe('/api/v1/telemetry')
      expect(Object.keys(r.body as object)).toEqual(['reports'])
    }
    for (const batch of batches) {
      expect(batch.length).toBeGreaterThan(0)
      expect(batch.length).toBeLessThanOrEqual(MAX_BATCH)
      for (const report of batch) {
        expect(Object.keys(report).sort()).toEqual(['cameraId', 'metrics', 'seq', 'ts'])
        expect(validateReport(report, Date.now())).toMatchObject({ ok: true })
        expect(report.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        expect(Date.parse(report.ts)).toBeGreaterThanOrEqual(startedAt)
        expect(Date.parse(report.ts)).toBeLessThanOrEqual(Date.now())
      }
    }
    const seqs = seqsByCamera(batches)
    expect(seqs.size).toBeGreaterThanOrEqual(10)
    for (const list of seqs.values()) {
      expect(list[0]).toBeGreaterThanOrEqual(startedAt)
      for (let i = 1; i < list.length; i++) expect(list[i]).toBe((list[i - 1] ?? 0) + 1)
    }
  })

  it('survives the server answering 503 for a while, logging once per outage and losing nothing', async () => {
    let down = true
    let refused = 0
    const srv = await startServer(() => {
      if (!down) return { status: 200 }
      refused++
      return { status: 503, body: { error: { code: 'unavailable', message: 'starting' } } }
    })
    const { logger, lines } = recordingLogger()
    const ac = new AbortController()
    const done = runSimulator({
      server: srv.url,
      cameras: 6,
      seed: 3,
      intervalS: 0.05,
      signal: ac.signal,
      logger,
      retry: { minMs: 5, maxMs: 40 },
    })
    await waitFor(() => refused >= 3) // down while registering
    down = false
    await waitFor(() => srv.telemetry().length >= 3)
    down = true
    const outageFrom = Date.now()
    await waitFor(() => refused >= 10)
    const outageTo = Date.now()
    down = false
    await waitFor(() => srv.telemetry().some((b) => b.some((r) => Date.parse(r.ts) > outageTo + 100)))
    ac.abort()
    await done

    const warns = lines.filter((l) => l.level === 'warn')
    expect(warns.map((l) => l.msg)).toEqual(['camtel server unavailable; retrying with backoff', 'camtel server unavailable; retrying with backoff'])
    expect(lines.filter((l) => l.msg === 'camtel server reachable again')).toHaveLength(2)
    expect(srv.requests.filter((r) => r.method === 'PUT' && r.status === 200)).toHaveLength(6 + createFleet({ cameras: 0 }).sites.length)
    const reports = srv.telemetry().flat()
    // What was sampled while the server was down arrives afterwards.
    expect(reports.some((r) => Date.parse(r.ts) > outageFrom && Date.parse(r.ts) < outageTo)).toBe(true)
    for (const list of seqsByCamera(srv.telemetry()).values()) {
      for (let i = 1; i < list.length; i++) expect(list[i]).toBe((list[i - 1] ?? 0) + 1)
    }
  })

  it('skips what the server refuses, says so once, and carries on', async () => {
    const srv = await startServer((r) => (r.method === 'POST' ? { status: 400, body: { error: { code: 'bad', message: 'no' } } } : { status: 200 }))
    const { logger, lines } = recordingLogger()
    const ac = new AbortController()
    const done = runSimulator({ server: srv.url, cameras: 3, intervalS: 0.02, signal: ac.signal, logger })
    await waitFor(() => srv.requests.filter((r) => r.status === 400).length >= 4)
    ac.abort()
    await done
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.obj.status)).toEqual([400])
  })

  it('stops promptly on abort, even with a request hanging', async () => {
    const srv = await startServer((r) => (r.method === 'POST' ? 'hang' : { status: 200 }))
    const ac = new AbortController()
    const done = runSimulator({ server: srv.url, cameras: 3, intervalS: 0.02, signal: ac.signal })
    await waitFor(() => srv.requests.length >= 3 + createFleet({ cameras: 0 }).sites.length)
    await new Promise((r) => setTimeout(r, 50))
    const t = Date.now()
    ac.abort()
    await done
    expect(Date.now() - t).toBeLessThan(500)
  })

  it('rejects a fault for a camera that does not exist', async () => {
    await expect(
      runSimulator({ server: 'http://127.0.0.1:9', cameras: 2, faults: [{ cameraId: 'nope', kind: 'offline', from: 0, to: 1 }] }),
    ).rejects.toThrow(/unknown camera/)
  })
})

describe('backfill', () => {
  it('sends the last hours quickly in batches of at most 1,000, below the seqs of a later live run', async () => {
    const srv = await startServer()
    const before = Date.now()
    const result = await backfill({ server: srv.url, cameras: 15, seed: 4, hours: 2, stepS: 60 })
    const batches = srv.telemetry()
    const reports = batches.flat()
    expect(result.reports).toBe(reports.length)
    expect(reports.length).toBeGreaterThan(15 * 110)
    expect(batches.length).toBeGreaterThanOrEqual(2)
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(MAX_BATCH)
    expect(result.to).toBeGreaterThanOrEqual(before)
    expect(result.to - result.from).toBe(2 * 3_600_000)
    for (const r of reports) {
      expect(Date.parse(r.ts)).toBeGreaterThanOrEqual(result.from)
      expect(Date.parse(r.ts)).toBeLessThan(result.to)
    }
    const backfilled = seqsByCamera(batches)
    expect(backfilled.size).toBe(15)

    const ac = new AbortController()
    const live = runSimulator({ server: srv.url, cameras: 15, seed: 4, intervalS: 0.05, signal: ac.signal, register: false })
    await waitFor(() => srv.telemetry().length >= batches.length + 2)
    ac.abort()
    await live
    const liveSeqs = seqsByCamera(srv.telemetry().slice(batches.length))
    expect(liveSeqs.size).toBe(15)
    for (const [id, held] of backfilled) {
      // Batches go out a few at a time, so they may arrive out of order.
      const sorted = [...held].sort((a, b) => a - b)
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBe((sorted[i - 1] ?? 0) + 1)
      expect(sorted[sorted.length - 1] ?? 0).toBeLessThan(result.to)
      const next = liveSeqs.get(id) ?? []
      expect(next[0] ?? 0, id).toBeGreaterThan(sorted[sorted.length - 1] ?? 0)
      for (let i = 1; i < next.length; i++) expect(next[i]).toBe((next[i - 1] ?? 0) + 1)
    }
  })
})
