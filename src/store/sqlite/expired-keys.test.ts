import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Report } from '../../protocol/report.js'
import type { Store } from '../ports.js'
import { decodeKeys, encodeKeys } from './expired-keys.js'
import { openSqliteStore } from './index.js'

const DAY = 86_400_000
const T = Date.UTC(2026, 0, 10, 12, 0, 0)

describe('the key lists of expired raw rows', () => {
  it('round-trip, seq going back and absent included, at about 3 bytes a key for a steady camera', () => {
    const day = Math.floor(T / DAY)
    const keys: Array<[number, number]> = [
      [T, 5],
      [T, 7],
      [T + 1, 2],
      [T + 10_000, -1],
      [T + 20_000, 2 ** 40],
      [T + 30_000, 0],
    ]
    const { ts, seq } = decodeKeys(encodeKeys(keys, day), day)
    expect(ts.map((t, i) => [t, seq[i]])).toEqual(keys)
    const steady = Array.from({ length: 8640 }, (_, i) => [day * DAY + i * 10_000, 1000 + i] as [number, number])
    const blob = encodeKeys(steady, day)
    expect(blob.length).toBeLessThanOrEqual(3 * steady.length)
    expect(decodeKeys(blob, day).seq.at(-1)).toBe(1000 + 8639)
  })
})

describe('a report sent again after raw retention deleted its row', () => {
  let dir: string
  let store: Store

  const report = (seq: number | undefined, ts: number, fps: number): Report => ({ cameraId: 'late-1', seq, ts, metrics: { fps } })
  async function rollUpAll(): Promise<void> {
    while ((await store.history.backlog()).reports > 0) await store.history.rollUp({ maxReports: 10_000 })
  }
  async function expireRaw(before: number): Promise<void> {
    while (!(await store.history.expire('raw', before, 1000)).done);
  }
  async function minuteBucket(): Promise<{ count: number; sum: number } | undefined> {
    const [b] = await store.history.readRollups({ cameraId: 'late-1', metric: 'fps', tier: '1m', from: T, to: T + 59_999, limit: 10 })
    return b && { count: b.count, sum: b.sum }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camtel-expired-'))
    store = openSqliteStore({ dataDir: dir, sync: 'normal' })
    await store.registry.upsertSite({ id: 's', name: 'S', lat: null, lon: null, timezone: null, uplinkMbps: null }, T)
    await store.registry.ensureCameras(['late-1'], 's', T)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is a duplicate and leaves the rollups alone, while a new report as old still feeds them', async () => {
    const first = await store.telemetry.writeReports([report(1, T, 10), report(2, T + 10_000, 20), report(undefined, T + 40_000, 5)], T + 50_000)
    expect(first.map((o) => o.duplicate)).toEqual([false, false, false])
    await rollUpAll()
    expect(await minuteBucket()).toEqual({ count: 3, sum: 35 })

    await expireRaw(T + DAY)
    expect(await store.telemetry.countReports('late-1')).toBe(0)

    // Sent again (an agent replaying its buffer), and one report of the same minute never sent before.
    const again = await store.telemetry.writeReports(
      [report(1, T, 10), report(2, T + 10_000, 20), report(undefined, T + 40_000, 5), report(3, T + 20_000, 30)],
      T + 2 * DAY,
    )
    expect(again.map((o) => o.duplicate)).toEqual([true, true, true, false])
    await rollUpAll()
    expect(await minuteBucket()).toEqual({ count: 4, sum: 65 })

    // The identities are on disk: after a restart a resend is still a duplicate.
    await store.close()
    store = openSqliteStore({ dataDir: dir, sync: 'normal' })
    await expireRaw(T + DAY)
    const later = await store.telemetry.writeReports([report(1, T, 10), report(3, T + 20_000, 30), report(4, T + 30_000, 1)], T + 3 * DAY)
    expect(later.map((o) => o.duplicate)).toEqual([true, true, false])
    await rollUpAll()
    expect(await minuteBucket()).toEqual({ count: 5, sum: 66 })

    // Once both rollup tiers let that day go, its keys go too: nothing is left to count twice.
    for (const tier of ['1m', '1h'] as const) while (!(await store.history.expire(tier, T + DAY, 1000)).done);
    expect(await minuteBucket()).toBeUndefined()
    const afterAll = await store.telemetry.writeReports([report(1, T, 10)], T + 4 * DAY)
    expect(afterAll.map((o) => o.duplicate)).toEqual([false])
  })
})
