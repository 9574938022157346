import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from '../../server/test-support/test-server.js'
import { isBusy, retryWhileBusy } from './busy.js'
import { type SqliteStore, openSqliteStore } from './index.js'

/** Another connection takes the write lock of the data folder's database and keeps it for `ms`. */
function holdWriteLock(dataDir: string, ms: number): { released: Promise<number> } {
  const other = new Database(join(dataDir, 'camtel.db'))
  other.exec('BEGIN IMMEDIATE')
  other.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('lock_holder', 'test')").run()
  return {
    released: new Promise((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT')
        other.close()
        resolve(Date.now())
      }, ms),
    ),
  }
}

/** The longest gap between ticks of a 5 ms interval timer while `work` runs: how long the loop was blocked. */
async function loopDrift<T>(work: () => Promise<T>): Promise<{ result: T; maxGapMs: number }> {
  let last = performance.now()
  let maxGapMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
  }, 5)
  try {
    const result = await work()
    return { result, maxGapMs }
  } finally {
    clearInterval(timer)
  }
}

describe('main-connection writes while another connection holds the write lock', () => {
  let dir: string
  let store: SqliteStore

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camtel-busy-'))
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('wait for the lock on timers, with the event loop free, and complete after its release', async () => {
    store = openSqliteStore({ dataDir: dir, sync: 'normal' })
    await store.registry.upsertSite({ id: 's1', name: 'S1', lat: null, lon: null, timezone: null, uplinkMbps: null }, 1)
    const lock = holdWriteLock(dir, 1000)
    const { result, maxGapMs } = await loopDrift(async () => {
      const site = await store.registry.upsertSite({ id: 's2', name: 'S2', lat: null, lon: null, timezone: null, uplinkMbps: null }, 2)
      const alertId = await store.alerts.insertAlert({
        ruleId: 'tamper',
        cameraId: 'c1',
        siteId: 's2',
        severity: 'critical',
        state: 'firing',
        silenced: false,
        late: false,
        value: 1,
        openedAt: 2,
        since: 2,
        resolvedAt: null,
        ack: null,
        incidentId: null,
        updatedAt: 2,
      })
      return { site, alertId, doneAt: Date.now() }
    })
    const releasedAt = await lock.released
    expect(result.site.created).toBe(true)
    expect(result.doneAt).toBeGreaterThanOrEqual(releasedAt)
    expect((await store.alerts.getAlert(result.alertId))?.state).toBe('firing')
    // Blocked inside SQLite's busy handler, the timer would have stalled for the whole second
    // at least; the margin is for a loaded machine that deschedules the process now and then.
    expect(maxGapMs).toBeLessThan(400)
  })

  it('gives up after its bound with a clear error, having changed nothing', async () => {
    store = openSqliteStore({ dataDir: dir, sync: 'normal', busyRetryMs: 150 })
    const lock = holdWriteLock(dir, 700)
    const failed = await store.registry.upsertSite({ id: 's3', name: 'S3', lat: null, lon: null, timezone: null, uplinkMbps: null }, 3).catch((e: Error) => e)
    await lock.released
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toMatch(/stayed locked by another connection for \d+ ms \(SQLITE_BUSY\)/)
    expect(await store.registry.getSite('s3')).toBeUndefined()
  })

  it('retries only SQLITE_BUSY: other errors surface at once', async () => {
    let attempts = 0
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    await expect(
      retryWhileBusy(async () => {
        attempts++
        if (attempts < 3) throw busy
        throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' })
      }),
    ).rejects.toThrow('constraint')
    expect(attempts).toBe(3)
    expect(isBusy(busy)).toBe(true)
    expect(isBusy(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true)
    expect(isBusy(new Error('x'))).toBe(false)
  })
})

describe('ingest while the database is locked by another connection', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer()
  })
  afterEach(async () => {
    await t.close()
  })

  it('answers 200 to a breaching report at once, and its alert is listed once the lock is released', async () => {
    const ts = Date.now()
    expect((await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'busy-1', ts: ts - 1000, metrics: { tamper: 0 } }] } })).status).toBe(200)
    // The lock is taken the moment the batch is durable (its telemetry event is delivered
    // then), so the alert engine's writes that follow meet it in the writer thread.
    let lock: { released: Promise<number> } | undefined
    let lockedAt = 0
    const stop = t.server.events.subscribe((events) => {
      if (lock === undefined && events.some((e) => e.topic === 'telemetry' && e.cameraId === 'busy-1' && e.ts === ts)) {
        lock = holdWriteLock(t.dataDir, 1000)
        lockedAt = Date.now()
      }
    })
    const { result, maxGapMs } = await loopDrift(async () => {
      const ingest = t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'busy-1', ts, metrics: { tamper: 1 } }] } })
      while (lock === undefined) await new Promise((r) => setTimeout(r, 5))
      // The server keeps answering while the alert write waits, the batch's answer included.
      const health = await t.api('/healthz')
      const healthAt = Date.now()
      const res = await ingest
      const answeredAt = Date.now()
      // A read of the alerts waits for the alert changes made so far to be stored.
      const listed = await t.api('/api/v1/alerts?state=open&camera=busy-1')
      const alerts = (await listed.json()) as { alerts: Array<{ ruleId: string; state: string }> }
      return { res, body: (await res.json()) as { accepted: number }, healthStatus: health.status, healthAt, answeredAt, alerts, listedAt: Date.now() }
    })
    stop()
    const releasedAt = await (lock as { released: Promise<number> }).released
    expect(result.res.status).toBe(200)
    expect(result.body.accepted).toBe(1)
    expect(result.healthStatus).toBe(200)
    expect(result.healthAt).toBeLessThan(releasedAt)
    expect(result.answeredAt).toBeLessThan(releasedAt)
    expect(result.listedAt).toBeGreaterThanOrEqual(releasedAt)
    expect(result.alerts.alerts.map((a) => a.ruleId)).toContain('tamper')
    expect(releasedAt - lockedAt).toBeLessThan(2000)
    expect(maxGapMs).toBeLessThan(400)
  })

  it('acknowledges a stored batch when a later stage fails, and counts the failure', async () => {
    t.server.pipeline.addStage({
      name: 'failing-test-stage',
      afterStore() {
        throw new Error('stage broke')
      },
    })
    const ts = Date.now()
    const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'stage-1', ts, metrics: { fps: 25 } }] } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { accepted: number }).accepted).toBe(1)
    const again = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'stage-1', ts, metrics: { fps: 25 } }] } })
    expect(((await again.json()) as { duplicates: number }).duplicates).toBe(1)
    const metrics = await (await t.api('/metrics')).text()
    expect(metrics).toMatch(/^camtel_ingest_stage_failures_total\{stage="failing-test-stage"\} 2$/m)
  })
})
