import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Report } from '../../protocol/report.js'
import type { Store } from '../ports.js'
import { runHistoryContract } from './history-contract.js'

/**
 * The behaviour every Store must have. Each implementation's test calls this with a factory
 * that gives a fresh, empty store (and reopens one on the same data, where it can).
 */
export interface StoreFactory {
  open(): Promise<Store>
  /** Closes and opens the same data again; omitted for stores that cannot. */
  reopen?(store: Store): Promise<Store>
  cleanup?(): Promise<void>
}

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0)
const rep = (cameraId: string, ts: number, metrics: Record<string, number>, seq?: number): Report => ({
  cameraId,
  ts,
  seq,
  metrics,
})

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, () => {
    let store: Store

    beforeEach(async () => {
      store = await factory.open()
      await store.registry.upsertSite(
        { id: 'north', name: 'North', lat: 52.1, lon: 4.3, timezone: 'Europe/Amsterdam', uplinkMbps: 100 },
        T0,
      )
      await store.registry.ensureCameras(['cam-1', 'cam-2'], 'north', T0)
    })

    afterEach(async () => {
      await store.close()
      await factory.cleanup?.()
    })

    describe('history', () => {
      runHistoryContract({
        store: () => store,
        reopen: factory.reopen
          ? async () => {
              store = await (factory.reopen as (s: Store) => Promise<Store>)(store)
            }
          : undefined,
      })
    })

    it('stores a batch and reads a metric back in time order', async () => {
      const out = await store.telemetry.writeReports(
        [rep('cam-1', T0 + 2000, { fps: 25, temperature_c: 41.5 }, 2), rep('cam-1', T0 + 1000, { fps: 24.8 }, 1)],
        T0 + 3000,
      )
      expect(out).toEqual([
        { duplicate: false, seqReset: false },
        { duplicate: false, seqReset: false },
      ])
      const points = await store.telemetry.readSeries({ cameraId: 'cam-1', metric: 'fps', from: T0, to: T0 + 10_000, limit: 100 })
      expect(points).toEqual([
        [T0 + 1000, 24.8],
        [T0 + 2000, 25],
      ])
    })

    it('treats the same (cameraId, seq, ts) as a duplicate that changes nothing', async () => {
      await store.telemetry.writeReports([rep('cam-1', T0, { fps: 25 }, 7)], T0)
      const again = await store.telemetry.writeReports([rep('cam-1', T0, { fps: 99 }, 7)], T0 + 1)
      expect(again).toEqual([{ duplicate: true, seqReset: false }])
      const points = await store.telemetry.readSeries({ cameraId: 'cam-1', metric: 'fps', from: T0, to: T0, limit: 10 })
      expect(points).toEqual([[T0, 25]])
    })

    it('identifies reports without seq by (cameraId, ts)', async () => {
      await store.telemetry.writeReports([rep('cam-1', T0, { fps: 25 })], T0)
      const again = await store.telemetry.writeReports([rep('cam-1', T0, { fps: 25 }), rep('cam-2', T0, { fps: 25 })], T0)
      expect(again.map((o) => o.duplicate)).toEqual([true, false])
    })

    it('keeps a reused seq with another ts as a new report and flags the reset', async () => {
      await store.telemetry.writeReports([rep('cam-1', T0, { fps: 25 }, 1), rep('cam-1', T0 + 1000, { fps: 25 }, 2)], T0)
      const out = await store.telemetry.writeReports([rep('cam-1', T0 + 60_000, { fps: 20 }, 1)], T0 + 60_000)
      expect(out).toEqual([{ duplicate: false, seqReset: true }])
      expect(await store.telemetry.countReports('cam-1')).toBe(3)
    })

    it('does not count an out-of-order backlog as a reset', async () => {
      await store.telemetry.writeReports([rep('cam-1', T0 + 5000, { fps: 25 }, 5)], T0)
      const out = await store.telemetry.writeReports([rep('cam-1', T0 + 3000, { fps: 25 }, 3)], T0 + 6000)
      expect(out).toEqual([{ duplicate: false, seqReset: false }])
    })

    it('dedups within one batch', async () => {
      const r = rep('cam-2', T0, { fps: 25 }, 1)
      const out = await store.telemetry.writeReports([r, r], T0)
      expect(out.map((o) => o.duplicate)).toEqual([false, true])
    })

    it('keeps values exactly, including booleans as 1/0 and custom metrics', async () => {
      const metrics = { fps: 24.8, tamper: 1, recording: 0, odd_value: Math.PI, big_counter: 2 ** 50, neg: -12.25 }
      await store.telemetry.writeReports([rep('cam-1', T0, metrics)], T0)
      for (const [metric, value] of Object.entries(metrics)) {
        const points = await store.telemetry.readSeries({ cameraId: 'cam-1', metric, from: T0, to: T0, limit: 1 })
        expect(points).toEqual([[T0, value]])
      }
    })

    it('limits a series read and returns nothing for unknown cameras or metrics', async () => {
      await store.telemetry.writeReports(
        Array.from({ length: 50 }, (_, i) => rep('cam-1', T0 + i * 1000, { fps: i })),
        T0,
      )
      expect(await store.telemetry.readSeries({ cameraId: 'cam-1', metric: 'fps', from: T0, to: T0 + 1e6, limit: 10 })).toHaveLength(10)
      expect(await store.telemetry.readSeries({ cameraId: 'nope', metric: 'fps', from: 0, to: T0 * 2, limit: 10 })).toEqual([])
      expect(await store.telemetry.readSeries({ cameraId: 'cam-1', metric: 'nope', from: 0, to: T0 * 2, limit: 10 })).toEqual([])
    })

    it('reads the newest report at or before an instant and the newest sample of each metric asked for', async () => {
      await store.telemetry.writeReports(
        [
          rep('cam-1', T0, { fps: 20, focus_score: 80 }, 1),
          rep('cam-1', T0 + 1000, { fps: 21 }, 2),
          rep('cam-1', T0 + 2000, { temperature_c: 40 }, 3),
          rep('cam-1', T0 + 9000, { fps: 99 }, 4),
        ],
        T0,
      )
      const q = { cameraId: 'cam-1', metrics: ['fps', 'focus_score', 'image_quality', 'never_seen'], from: T0, to: T0 + 5000, maxReports: 100 }
      expect(await store.telemetry.readLatest(q)).toEqual({ reportTs: T0 + 2000, samples: { fps: [T0 + 1000, 21], focus_score: [T0, 80] } })
      // The span bounds it on both sides, and so does the number of reports read.
      expect(await store.telemetry.readLatest({ ...q, from: T0 + 1000 })).toEqual({ reportTs: T0 + 2000, samples: { fps: [T0 + 1000, 21] } })
      expect(await store.telemetry.readLatest({ ...q, maxReports: 2 })).toEqual({ reportTs: T0 + 2000, samples: { fps: [T0 + 1000, 21] } })
      expect(await store.telemetry.readLatest({ ...q, to: T0 - 1 })).toEqual({ reportTs: undefined, samples: {} })
      expect(await store.telemetry.readLatest({ ...q, cameraId: 'nope' })).toEqual({ reportTs: undefined, samples: {} })
    })

    it('refuses reports of unregistered cameras and writes none of their batch', async () => {
      await expect(
        store.telemetry.writeReports([rep('cam-1', T0, { fps: 1 }), rep('ghost', T0, { fps: 1 })], T0),
      ).rejects.toThrow()
      expect(await store.telemetry.countReports('cam-1')).toBe(0)
    })

    it('registers sites and cameras, updates them and deletes a camera with its telemetry', async () => {
      const { created } = await store.registry.upsertCamera(
        { id: 'cam-3', name: 'Gate', siteId: 'north', lat: 52, lon: 4, model: 'Axis Q1656', firmware: '11.8', tags: ['outdoor'], offlineAfter: 120 },
        T0,
      )
      expect(created).toBe(true)
      const { camera, created: again } = await store.registry.upsertCamera(
        { id: 'cam-3', name: 'Gate 2', siteId: 'north', lat: null, lon: null, model: null, firmware: null, tags: [], offlineAfter: null },
        T0 + 1,
      )
      expect(again).toBe(false)
      expect(camera).toMatchObject({ id: 'cam-3', name: 'Gate 2', createdAt: T0, updatedAt: T0 + 1, tags: [] })
      await store.telemetry.writeReports([rep('cam-3', T0, { fps: 1 })], T0)
      expect(await store.registry.deleteCamera('cam-3')).toBe(true)
      expect(await store.registry.getCamera('cam-3')).toBeUndefined()
      // Re-created under the same id, it starts with no history.
      await store.registry.ensureCameras(['cam-3'], 'unassigned', T0 + 2)
      expect(await store.telemetry.countReports('cam-3')).toBe(0)
      expect((await store.registry.listCameras()).map((c) => c.id)).toEqual(['cam-1', 'cam-2', 'cam-3'])
      expect((await store.registry.listSites()).map((s) => s.id)).toEqual(['north'])
    })

    it('creates only missing cameras in ensureCameras', async () => {
      const created = await store.registry.ensureCameras(['cam-1', 'cam-9', 'cam-9'], 'unassigned', T0)
      expect(created).toEqual(['cam-9'])
      expect((await store.registry.getCamera('cam-9'))?.siteId).toBe('unassigned')
      expect((await store.registry.getCamera('cam-1'))?.siteId).toBe('north')
    })

    it('keeps tokens by hash and revokes them', async () => {
      await store.tokens.insertToken({ id: 't1', name: 'ci', role: 'admin', sites: null, hash: 'abc', createdAt: T0, revokedAt: null })
      expect((await store.tokens.findTokenByHash('abc'))?.name).toBe('ci')
      expect(await store.tokens.revokeToken('t1', T0 + 1)).toBe(true)
      expect((await store.tokens.findTokenByHash('abc'))?.revokedAt).toBe(T0 + 1)
      expect(await store.tokens.listTokens()).toHaveLength(1)
    })

    it('rebuilds the latest values from a snapshot plus newer reports', async () => {
      await store.telemetry.writeReports([rep('cam-1', T0, { fps: 25, temperature_c: 40 })], T0 + 100)
      await store.telemetry.saveLatest([
        { cameraId: 'cam-1', lastSeen: T0 + 100, lastTs: T0, metrics: { fps: { value: 25, ts: T0 }, temperature_c: { value: 40, ts: T0 } } },
      ])
      await store.telemetry.writeReports([rep('cam-1', T0 + 10_000, { fps: 12 })], T0 + 10_500)
      if (factory.reopen) store = await factory.reopen(store)
      const latest = (await store.telemetry.loadLatest()).find((c) => c.cameraId === 'cam-1')
      expect(latest).toMatchObject({
        lastSeen: T0 + 10_500,
        lastTs: T0 + 10_000,
        metrics: { fps: { value: 12, ts: T0 + 10_000 }, temperature_c: { value: 40, ts: T0 } },
      })
    })
  })
}
