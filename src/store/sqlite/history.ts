import type { Database, Statement } from 'better-sqlite3'
import {
  type HistoryStore,
  type HistoryTier,
  ROLLUP_BUCKET_MS,
  type RollUpOptions,
  type RollupBucket,
  type RollupQuery,
  type RollupTier,
} from '../ports.js'
import { decodeBucket, findInBucket, valueOf } from '../rollup-codec.js'
import type { CameraNumbers } from './camera-numbers.js'
import type { MetricNames } from './metric-names.js'
import type { Writer } from './writer.js'

/**
 * Rollups and retention on SQLite: reads on this connection; rolling up and expiring are
 * writes, done by the writer (rollup-writer.ts has how).
 */
export class SqliteHistory implements HistoryStore {
  private readonly read: Record<RollupTier, Statement>
  private readonly first: Record<RollupTier, Statement>
  private readonly newest: Record<RollupTier, Statement>
  private readonly firstRaw: Statement
  private readonly journalBacklog: Statement

  constructor(
    db: Database,
    private readonly cams: CameraNumbers,
    private readonly names: MetricNames,
    private readonly writer: Writer,
  ) {
    const read = (table: string) => db.prepare(`SELECT bucket, data FROM ${table} WHERE cam = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket`).raw()
    this.read = { '1m': read('rollup_1m'), '1h': read('rollup_1h') }
    this.first = {
      '1m': db.prepare('SELECT min(bucket) FROM rollup_1m WHERE cam = ?').pluck(),
      '1h': db.prepare('SELECT min(bucket) FROM rollup_1h WHERE cam = ?').pluck(),
    }
    this.newest = {
      '1m': db.prepare('SELECT max(bucket) FROM rollup_1m WHERE cam = ? AND bucket >= ? AND bucket <= ?').pluck(),
      '1h': db.prepare('SELECT max(bucket) FROM rollup_1h WHERE cam = ? AND bucket >= ? AND bucket <= ?').pluck(),
    }
    this.firstRaw = db.prepare('SELECT min(ts) FROM reports WHERE cam = ?').pluck()
    this.journalBacklog = db.prepare('SELECT coalesce(sum(n), 0), min(recv) FROM rollup_journal').raw()
  }

  async rollUp(o: RollUpOptions): Promise<{ folded: number }> {
    return { folded: await this.writer.rollUp(o) }
  }

  async backlog(): Promise<{ reports: number; oldestReceivedAt: number | undefined }> {
    const [reports, oldest] = this.journalBacklog.get() as [number, number | null]
    return { reports, oldestReceivedAt: oldest ?? undefined }
  }

  async readRollups(q: RollupQuery): Promise<RollupBucket[]> {
    const cam = this.cams.get(q.cameraId)
    const id = this.names.idOf(q.metric)
    if (cam === undefined || id === undefined || q.limit <= 0) return []
    const ms = ROLLUP_BUCKET_MS[q.tier]
    const rows = this.read[q.tier].iterate(cam, Math.floor(q.from / ms), Math.floor(q.to / ms)) as IterableIterator<[number, Buffer]>
    const out: RollupBucket[] = []
    for (const [bucket, data] of rows) {
      const a = findInBucket(data, id)
      if (a === undefined) continue
      out.push({ ts: bucket * ms, min: valueOf(a, a.min), max: valueOf(a, a.max), sum: valueOf(a, a.sum), count: a.count })
      if (out.length >= q.limit) break
    }
    return out
  }

  async readRollupsOf(q: Omit<RollupQuery, 'metric'> & { metrics: readonly string[] }): Promise<Record<string, RollupBucket[]>> {
    const out: Record<string, RollupBucket[]> = {}
    const lists = new Map<number, RollupBucket[]>()
    for (const metric of q.metrics) {
      const list: RollupBucket[] = (out[metric] = [])
      const id = this.names.idOf(metric)
      if (id !== undefined) lists.set(id, list)
    }
    const cam = this.cams.get(q.cameraId)
    if (cam === undefined || lists.size === 0 || q.limit <= 0) return out
    const last = Math.max(...lists.keys())
    const ms = ROLLUP_BUCKET_MS[q.tier]
    const rows = this.read[q.tier].iterate(cam, Math.floor(q.from / ms), Math.floor(q.to / ms)) as IterableIterator<[number, Buffer]>
    let n = 0
    for (const [bucket, data] of rows) {
      // One decode per bucket for all the metrics (ids ascend within a bucket).
      decodeBucket(data, (id, a) => {
        lists.get(id)?.push({ ts: bucket * ms, min: valueOf(a, a.min), max: valueOf(a, a.max), sum: valueOf(a, a.sum), count: a.count })
        return id >= last
      })
      if (++n >= q.limit) break
    }
    return out
  }

  async newestBucket(cameraId: string, tier: RollupTier, from: number, to: number): Promise<number | undefined> {
    const cam = this.cams.get(cameraId)
    if (cam === undefined) return undefined
    const ms = ROLLUP_BUCKET_MS[tier]
    const bucket = this.newest[tier].get(cam, Math.floor(from / ms), Math.floor(to / ms)) as number | null
    return bucket === null ? undefined : bucket * ms
  }

  async firstDataTime(cameraId: string): Promise<number | undefined> {
    const cam = this.cams.get(cameraId)
    if (cam === undefined) return undefined
    const times = [this.firstRaw.get(cam) as number | null]
    for (const tier of ['1m', '1h'] as const) {
      const bucket = this.first[tier].get(cam) as number | null
      times.push(bucket === null ? null : bucket * ROLLUP_BUCKET_MS[tier])
    }
    const known = times.filter((t): t is number => t !== null)
    return known.length === 0 ? undefined : Math.min(...known)
  }

  expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }> {
    return this.writer.expire(tier, before, maxRows)
  }
}
