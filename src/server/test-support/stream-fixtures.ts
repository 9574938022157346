import { expect } from 'vitest'
import type { StoredEvent } from '../../stream/index.js'
import type { TestServer } from './test-server.js'

/** Sites north (n-1..n-3) and south (s-1, s-2), registered through the API. */
export async function seedSites(t: TestServer): Promise<void> {
  for (const [id, name] of [
    ['north', 'North depot'],
    ['south', 'South mall'],
  ]) {
    expect((await t.api(`/api/v1/sites/${id}`, { method: 'PUT', json: { name } })).status).toBe(201)
  }
  for (const id of ['n-1', 'n-2', 'n-3', 's-1', 's-2']) {
    const res = await t.api(`/api/v1/cameras/${id}`, { method: 'PUT', json: { siteId: id.startsWith('n') ? 'north' : 'south' } })
    expect(res.status).toBe(201)
  }
}

let seq = 0

/** A fresh, valid report; `extra` adds metrics (custom names make big events). */
export function report(cameraId: string, extra: Record<string, number> = {}) {
  seq++
  return { cameraId, seq, ts: new Date(Date.now() - 1000).toISOString(), metrics: { fps: 25, temperature_c: 40, ...extra } }
}

export async function send(t: TestServer, reports: unknown[], token?: string): Promise<void> {
  const res = await t.api('/api/v1/telemetry', { method: 'POST', json: { reports }, token })
  const body = (await res.json()) as { accepted: number }
  expect(res.status).toBe(200)
  expect(body.accepted).toBe(reports.length)
}

/** The newest id, once what ingest published so far is in the log (status events commit after the answer). */
export async function newest(t: TestServer): Promise<number> {
  await t.server.events.settled()
  return (await t.server.eventLog.window()).newest
}

/** Everything the log holds after `after`, oldest first. */
export async function logAfter(t: TestServer, after: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = []
  for (;;) {
    const page = await t.server.eventLog.readAfter(after, 10_000)
    if (page.length === 0) return out
    out.push(...page)
    after = (page.at(-1) as StoredEvent).id
  }
}

export async function closesFor(t: TestServer, reason: string): Promise<number> {
  return (await t.server.metrics.streamCloses.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0
}
