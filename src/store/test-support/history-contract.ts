import { expect, it } from 'vitest'
import type { Report } from '../../protocol/report.js'
import type { HistoryStore, RollupBucket, RollupTier, Store } from '../ports.js'

/**
 * Rollups and retention (DESIGN §4) at the port level: what every Store's `history` must do.
 * Called from runStoreContract inside its describe block, with its fresh store per test.
 */
export interface HistoryContractContext {
  store(): Store
  /** Closes and reopens the same data, where the store can. */
  reopen?: () => Promise<void>
}

const H0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const MIN = 60_000
const HOUR = 3_600_000

const rep = (cameraId: string, ts: number, metrics: Record<string, number>, seq?: number): Report => ({ cameraId, ts, seq, metrics })

async function drain(h: HistoryStore, o: { maxReports?: number; expiredBefore?: Partial<Record<RollupTier, number>> } = {}): Promise<number> {
  let total = 0
  for (let i = 0; i < 10_000; i++) {
    const { folded } = await h.rollUp({ maxReports: o.maxReports ?? 10_000, expiredBefore: o.expiredBefore })
    total += folded
    if ((await h.backlog()).reports === 0) return total
  }
  throw new Error('rollUp never drained')
}

async function rollups(s: Store, tier: RollupTier, metric: string, cameraId = 'cam-1'): Promise<RollupBucket[]> {
  return s.history.readRollups({ cameraId, metric, tier, from: 0, to: H0 * 2, limit: 10_000 })
}

async function sweep(s: Store, tier: 'raw' | RollupTier, before: number, maxRows = 1000): Promise<number> {
  let deleted = 0
  for (let i = 0; i < 10_000; i++) {
    const r = await s.history.expire(tier, before, maxRows)
    deleted += r.deleted
    if (r.done) return deleted
  }
  throw new Error('expire never finished')
}

export function runHistoryContract(ctx: HistoryContractContext): void {
  it('folds accepted reports into 1-minute and 1-hour buckets: min, max, exact sum, count', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports(
      [
        rep('cam-1', H0 + 5_000, { fps: 24.8, temperature_c: 40 }),
        rep('cam-1', H0 + 15_000, { fps: 24.8, temperature_c: 41.25 }),
        rep('cam-1', H0 + 25_000, { fps: 24.8 }),
        rep('cam-1', H0 + MIN + 1_000, { fps: 12.5, temperature_c: -3 }),
        rep('cam-2', H0 + 5_000, { fps: 30 }),
      ],
      H0 + MIN * 2,
    )
    expect(await s.history.backlog()).toEqual({ reports: 5, oldestReceivedAt: H0 + MIN * 2 })
    expect(await drain(s.history)).toBe(5)
    expect(await s.history.backlog()).toEqual({ reports: 0, oldestReceivedAt: undefined })
    // Three times 24.8 is 74.4 exactly, as an operator adding them up would expect.
    expect(await rollups(s, '1m', 'fps')).toEqual([
      { ts: H0, min: 24.8, max: 24.8, sum: 74.4, count: 3 },
      { ts: H0 + MIN, min: 12.5, max: 12.5, sum: 12.5, count: 1 },
    ])
    expect(await rollups(s, '1m', 'temperature_c')).toEqual([
      { ts: H0, min: 40, max: 41.25, sum: 81.25, count: 2 },
      { ts: H0 + MIN, min: -3, max: -3, sum: -3, count: 1 },
    ])
    expect(await rollups(s, '1h', 'fps')).toEqual([{ ts: H0, min: 12.5, max: 24.8, sum: 86.9, count: 4 }])
    expect(await rollups(s, '1h', 'fps', 'cam-2')).toEqual([{ ts: H0, min: 30, max: 30, sum: 30, count: 1 }])
    expect(await rollups(s, '1h', 'nope')).toEqual([])
  })

  it('updates the buckets a late report falls in, and only those', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports([rep('cam-1', H0 + 10_000, { fps: 20 }, 1), rep('cam-1', H0 + HOUR + 10_000, { fps: 25 }, 2)], H0)
    await drain(s.history)
    await s.telemetry.writeReports([rep('cam-1', H0 + 30_000, { fps: 80 }, 3)], H0 + 2 * HOUR)
    await drain(s.history)
    expect(await rollups(s, '1m', 'fps')).toEqual([
      { ts: H0, min: 20, max: 80, sum: 100, count: 2 },
      { ts: H0 + HOUR, min: 25, max: 25, sum: 25, count: 1 },
    ])
    expect((await rollups(s, '1h', 'fps')).map((b) => [b.ts, b.count, b.max])).toEqual([
      [H0, 2, 80],
      [H0 + HOUR, 1, 25],
    ])
  })

  it('counts a resent duplicate once', async () => {
    const s = ctx.store()
    const r = rep('cam-1', H0, { fps: 20 }, 1)
    await s.telemetry.writeReports([r, r], H0)
    await s.telemetry.writeReports([r], H0 + 1)
    expect(await drain(s.history)).toBe(1)
    expect((await rollups(s, '1m', 'fps'))[0]?.count).toBe(1)
  })

  it('reads only buckets that overlap the range, up to the limit', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports(Array.from({ length: 10 }, (_, i) => rep('cam-1', H0 + i * MIN + 30_000, { fps: i })), H0)
    await drain(s.history)
    const read = (from: number, to: number, limit = 100) => s.history.readRollups({ cameraId: 'cam-1', metric: 'fps', tier: '1m', from, to, limit })
    expect((await read(H0 + 2 * MIN + 59_000, H0 + 4 * MIN)).map((b) => b.ts)).toEqual([H0 + 2 * MIN, H0 + 3 * MIN, H0 + 4 * MIN])
    expect(await read(H0, H0 + HOUR, 4)).toHaveLength(4)
    expect(await s.history.readRollups({ cameraId: 'ghost', metric: 'fps', tier: '1m', from: 0, to: H0 * 2, limit: 10 })).toEqual([])
  })

  it('aggregates values that are no short decimals as floats, min and max exact', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports([rep('cam-1', H0, { x: Math.PI }), rep('cam-1', H0 + 1000, { x: 0.1 }), rep('cam-1', H0 + 2000, { x: 2 ** 60 })], H0)
    await drain(s.history)
    const [b] = await rollups(s, '1m', 'x')
    expect(b).toMatchObject({ min: 0.1, max: 2 ** 60, count: 3 })
    expect(b?.sum).toBeCloseTo(2 ** 60 + Math.PI + 0.1, -3)
  })

  it('folds in small steps to the same result, counting each report once', async () => {
    const s = ctx.store()
    for (let i = 0; i < 20; i++) await s.telemetry.writeReports([rep(`cam-${1 + (i % 2)}`, H0 + i * 1000, { fps: i })], H0 + i)
    let folded = 0
    for (let step = 0; step < 1000 && (await s.history.backlog()).reports > 0; step++) {
      folded += (await s.history.rollUp({ maxReports: 3 })).folded
      expect((await s.history.backlog()).reports + folded).toBe(20)
    }
    expect(folded).toBe(20)
    expect(await rollups(s, '1m', 'fps')).toEqual([{ ts: H0, min: 0, max: 18, sum: 90, count: 10 }])
    expect(await rollups(s, '1h', 'fps', 'cam-2')).toEqual([{ ts: H0, min: 1, max: 19, sum: 100, count: 10 }])
  })

  it('finishes a fold cut short by a restart without counting anything twice', async () => {
    if (!ctx.reopen) return
    const s0 = ctx.store()
    const cams = ['cam-1', 'cam-2']
    await s0.telemetry.writeReports(Array.from({ length: 40 }, (_, i) => rep(cams[i % 2] as string, H0 + i * 10_000, { fps: i })), H0)
    // Small steps until some, not all, buckets are written: then the store stops.
    for (let i = 0; i < 5; i++) await s0.history.rollUp({ maxReports: 10 })
    await ctx.reopen()
    const s = ctx.store()
    await drain(s.history)
    await s.telemetry.writeReports([rep('cam-1', H0 + 1000, { fps: 100 })], H0)
    await drain(s.history)
    const minutes = await rollups(s, '1m', 'fps')
    expect(minutes.map((b) => b.count)).toEqual([4, 3, 3, 3, 3, 3, 2])
    expect(minutes.reduce((n, b) => n + b.sum, 0)).toBe(380 + 100)
    expect(await rollups(s, '1h', 'fps')).toEqual([{ ts: H0, min: 0, max: 100, sum: 480, count: 21 }])
  })

  it('keeps pending reports across a restart and folds them in after it', async () => {
    if (!ctx.reopen) return
    const s0 = ctx.store()
    await s0.telemetry.writeReports([rep('cam-1', H0, { fps: 10 }), rep('cam-1', H0 + 1000, { fps: 30 })], H0)
    await ctx.reopen()
    const s = ctx.store()
    expect((await s.history.backlog()).reports).toBe(2)
    await drain(s.history)
    expect(await rollups(s, '1h', 'fps')).toEqual([{ ts: H0, min: 10, max: 30, sum: 40, count: 2 }])
  })

  it('rolls up a report older than the raw retention before retention deletes it', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports([rep('cam-1', H0 - 30 * 86_400_000, { fps: 7 })], H0)
    // Still waiting for the rollups: kept, however old.
    expect(await sweep(s, 'raw', H0 - 7 * 86_400_000)).toBe(0)
    await drain(s.history)
    expect(await sweep(s, 'raw', H0 - 7 * 86_400_000)).toBe(1)
    expect(await s.telemetry.countReports('cam-1')).toBe(0)
    expect(await rollups(s, '1h', 'fps')).toEqual([{ ts: H0 - 30 * 86_400_000, min: 7, max: 7, sum: 7, count: 1 }])
  })

  it('does not write buckets already past their tier retention', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports([rep('cam-1', H0 - 100 * 86_400_000, { fps: 7 })], H0)
    await drain(s.history, { expiredBefore: { '1m': H0 - 90 * 86_400_000 } })
    expect(await rollups(s, '1m', 'fps')).toEqual([])
    expect(await rollups(s, '1h', 'fps')).toHaveLength(1)
  })

  it('expires each tier by its own horizon; rollups outlive their raw rows', async () => {
    const s = ctx.store()
    const reports = Array.from({ length: 24 }, (_, i) => rep('cam-1', H0 + i * 5 * MIN, { fps: i }))
    await s.telemetry.writeReports([...reports, rep('cam-2', H0, { fps: 1 })], H0)
    await drain(s.history)
    expect(await sweep(s, 'raw', H0 + HOUR, 5)).toBe(13)
    expect(await s.telemetry.countReports('cam-1')).toBe(12)
    expect(await s.telemetry.countReports('cam-2')).toBe(0)
    expect(await rollups(s, '1m', 'fps')).toHaveLength(24)
    // A bucket goes once it ends at or before the horizon.
    expect(await sweep(s, '1m', H0 + HOUR + MIN - 1)).toBe(13)
    expect((await rollups(s, '1m', 'fps'))[0]?.ts).toBe(H0 + HOUR)
    expect(await rollups(s, '1h', 'fps')).toHaveLength(2)
    expect(await sweep(s, '1h', H0 + HOUR)).toBe(2)
    expect((await rollups(s, '1h', 'fps')).map((b) => b.ts)).toEqual([H0 + HOUR])
    expect(await sweep(s, 'raw', H0 + HOUR)).toBe(0)
  })

  it('forgets the rollups and pending reports of a deleted camera', async () => {
    const s = ctx.store()
    await s.telemetry.writeReports([rep('cam-1', H0, { fps: 5 })], H0)
    await drain(s.history)
    await s.telemetry.writeReports([rep('cam-1', H0 + 1000, { fps: 6 })], H0)
    await s.registry.deleteCamera('cam-1')
    await s.registry.ensureCameras(['cam-1'], 'north', H0)
    await drain(s.history)
    expect(await rollups(s, '1m', 'fps')).toEqual([])
    expect(await s.history.firstDataTime('cam-1')).toBeUndefined()
  })

  it('knows the oldest data a camera has in any tier', async () => {
    const s = ctx.store()
    expect(await s.history.firstDataTime('cam-1')).toBeUndefined()
    await s.telemetry.writeReports([rep('cam-1', H0 + 90_000, { fps: 5 }), rep('cam-1', H0 - 40 * 86_400_000 + 1, { fps: 5 })], H0)
    expect(await s.history.firstDataTime('cam-1')).toBe(H0 - 40 * 86_400_000 + 1)
    await drain(s.history)
    await sweep(s, 'raw', H0)
    expect(await s.history.firstDataTime('cam-1')).toBe(H0 - 40 * 86_400_000)
  })
}
