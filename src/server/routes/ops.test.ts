import { rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SqliteStore } from '../../store/sqlite/index.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'

interface Readiness {
  status: string
  checks: Array<{ name: string; ok: boolean; detail?: string }>
}

describe('GET /readyz and the store writer thread', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await startTestServer()
  })
  afterEach(async () => {
    // Shutting down saves the latest values through the writer, which fails once it is dead;
    // the store itself still closes.
    await t.close({ keepData: true }).catch(() => undefined)
    await t.server.store.close()
    rmSync(t.dataDir, { recursive: true, force: true })
  })

  it('reports the writer thread and the event log, and answers 503 once the writer has died', async () => {
    const ts = Date.now()
    expect((await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'r-1', ts, metrics: { fps: 25 } }] } })).status).toBe(200)
    const ready = await t.api('/readyz')
    expect(ready.status).toBe(200)
    const before = (await ready.json()) as Readiness
    expect(before.checks.find((c) => c.name === 'writer')).toMatchObject({ ok: true })
    expect(before.checks.find((c) => c.name === 'bus')).toMatchObject({ ok: true })

    await (t.server.store as SqliteStore).killWriterForTest()

    const res = await t.api('/readyz')
    expect(res.status).toBe(503)
    const after = (await res.json()) as Readiness
    expect(after.status).toBe('not ready')
    expect(after.checks.find((c) => c.name === 'writer')).toMatchObject({ ok: false, detail: expect.stringMatching(/writer thread died/) })
    expect(after.checks.find((c) => c.name === 'bus')).toMatchObject({ ok: false })
    // Ingest fails plainly rather than pretending: nothing can be stored any more.
    const ingest = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports: [{ cameraId: 'r-1', ts: ts + 1000, metrics: { fps: 25 } }] } })
    expect(ingest.status).toBe(500)

    // Shutting down cannot save the latest values through the dead writer, says so, and still
    // closes everything after that step, the database included.
    await expect(t.server.close()).rejects.toThrow(/writer thread died/)
    await expect(t.server.store.registry.listSites()).rejects.toThrow(/not open/)
  })
})
