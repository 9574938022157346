import type { Database, Statement } from 'better-sqlite3'
import { ByteWriter } from '../bytes.js'
import { decodeMetricsScaled } from '../codec.js'
import { type HistoryTier, ROLLUP_BUCKET_MS, type RollUpOptions, type RollupTier } from '../ports.js'
import { type BucketAggs, addSample, aggOf, copyAgg, decodeBucketAggs, encodeBucket, mergeAgg } from '../rollup-codec.js'
import type { ExpiredKeys } from './expired-keys.js'
import { readJournal } from './rollup-journal.js'

/** Reports one pass folds at most: enough for every camera's buckets to be written once per pass. */
const PASS_MAX_REPORTS = 50_000
/** A camera's pending reports further apart than this are read back with separate range scans. */
const SCAN_GAP_MS = 10 * 60_000
/** Cameras one expire call looks at, at most, so that a call stays short whatever the fleet. */
const EXPIRE_CAMERAS_PER_CALL = 500
const MINUTES_PER_HOUR = ROLLUP_BUCKET_MS['1h'] / ROLLUP_BUCKET_MS['1m']

type Partials = Map<number, Map<number, BucketAggs>>

/** A camera's pending reports in a pass, sorted by (ts, seq) as the raw table is. */
interface CameraRefs {
  cam: number
  ts: number[]
  seq: number[]
}

/** A rollup pass: folds the journal rows up to `end` (see RollupWriter). */
interface Pass {
  end: number
  reports: number
  /** The pass's reports by camera, and how many cameras are aggregated so far. */
  cameras: CameraRefs[]
  next: number
  minutes: Partials
  /** Once aggregation is done: the buckets to write, in key order, and how many are written. */
  writes?: Array<[RollupTier, number, number, BucketAggs]>
  written: number
}

/**
 * The writing half of history on SQLite: folding the journal into the rollups, and retention.
 *
 * Folding runs in passes, a small step per call so that ingest never waits long, whether the
 * steps run in the writer thread or on the event loop. A pass fixes the journal rows it folds
 * (ids up to `end`, recorded in rollup_pass), adds up their reports per camera and minute in
 * memory, taking no lock, then writes each touched bucket once, in short transactions, marking
 * it `upto = end`, and finally deletes its journal rows. A pass cut short by a crash is done
 * again after restart with the same end; buckets already marked are skipped, so each report
 * counts exactly once. One pass covers up to PASS_MAX_REPORTS reports, so that a camera's
 * bucket is rewritten once per pass rather than once per report.
 */
export class RollupWriter {
  private readonly w = new ByteWriter(8192)
  private pass: Pass | undefined
  private readonly get: Record<RollupTier, Statement>
  private readonly put: Record<RollupTier, Statement>
  private readonly readPass: Statement
  private readonly startPass: Statement
  private readonly endPass: Statement
  private readonly journalHead: Statement
  private readonly journalRefs: Statement
  private readonly journalUpTo: Statement
  private readonly journalDelete: Statement
  private readonly oldestPending: Statement
  private readonly rawRange: Statement
  private readonly expireStatements: Record<HistoryTier, { next: Statement; known: Statement; old: Statement; all: Statement }>
  /** Per tier, the camera number the current retention sweep has reached. */
  private readonly sweep: Record<HistoryTier, number> = { raw: 0, '1m': 0, '1h': 0 }
  private readonly writeTx: (pass: Pass, count: number, expiredBefore: RollUpOptions['expiredBefore']) => void
  private readonly finishTx: (end: number) => void
  private readonly aggregateTx: (pass: Pass, budget: number) => void
  readonly expire: (tier: HistoryTier, before: number, maxRows: number) => { deleted: number; done: boolean }

  /** The latest `before` each rollup tier's retention was called with: older keys of expired raw rows can go. */
  private readonly rollupHorizon: Partial<Record<RollupTier, number>> = {}

  constructor(
    db: Database,
    private readonly expired: ExpiredKeys,
  ) {
    this.get = {
      '1m': db.prepare('SELECT upto, data FROM rollup_1m WHERE cam = ? AND bucket = ?').raw(),
      '1h': db.prepare('SELECT upto, data FROM rollup_1h WHERE cam = ? AND bucket = ?').raw(),
    }
    this.put = {
      '1m': db.prepare('INSERT OR REPLACE INTO rollup_1m (cam, bucket, upto, data) VALUES (?, ?, ?, ?)'),
      '1h': db.prepare('INSERT OR REPLACE INTO rollup_1h (cam, bucket, upto, data) VALUES (?, ?, ?, ?)'),
    }
    this.readPass = db.prepare('SELECT pass_end FROM rollup_pass').pluck()
    this.startPass = db.prepare('INSERT INTO rollup_pass (one, pass_end) VALUES (1, ?)')
    this.endPass = db.prepare('DELETE FROM rollup_pass')
    this.journalHead = db.prepare('SELECT id, n FROM rollup_journal ORDER BY id LIMIT 1024').raw()
    this.journalRefs = db.prepare('SELECT refs FROM rollup_journal WHERE id <= ? ORDER BY id').pluck()
    this.journalUpTo = db.prepare('SELECT coalesce(sum(n), 0) FROM rollup_journal WHERE id <= ?').pluck()
    this.journalDelete = db.prepare('DELETE FROM rollup_journal WHERE id <= ?')
    this.oldestPending = db.prepare('SELECT min(recv) FROM rollup_journal').pluck()
    this.rawRange = db.prepare('SELECT ts, seq, data FROM reports WHERE cam = ? AND ts >= ? AND ts <= ? ORDER BY ts, seq').raw()
    const expire = (tier: HistoryTier) => {
      const [table, key] = tier === 'raw' ? ['reports', 'ts'] : [`rollup_${tier}`, 'bucket']
      return {
        // The sweep walks the camera numbers present in the table itself, so that rows of a
        // camera deleted while its batch was on the way to the writer are found too.
        next: db.prepare(`SELECT cam FROM ${table} WHERE cam >= ? ORDER BY cam LIMIT 1`).pluck(),
        known: db.prepare('SELECT 1 FROM cameras WHERE num = ?').pluck(),
        // A raw report still waiting for the rollups (arrived no earlier than the oldest pending
        // journal row) stays, however old: the rollups are made from it.
        old:
          tier === 'raw'
            ? db.prepare('DELETE FROM reports WHERE cam = ? AND ts < ? AND recv < ? RETURNING ts, seq ORDER BY ts LIMIT ?').raw()
            : db.prepare(`DELETE FROM ${table} WHERE cam = ? AND ${key} < ? ORDER BY ${key} LIMIT ?`),
        all: db.prepare(`DELETE FROM ${table} WHERE cam = ? ORDER BY ${key} LIMIT ?`),
      }
    }
    this.expireStatements = { raw: expire('raw'), '1m': expire('1m'), '1h': expire('1h') }
    // IMMEDIATE: these read before they write, and other connections write too (see WriteCore).
    this.writeTx = db.transaction((pass: Pass, count: number, expiredBefore: RollUpOptions['expiredBefore']) => this.writeBuckets(pass, count, expiredBefore)).immediate
    // Reads only, in one snapshot; a read transaction takes no write lock.
    this.aggregateTx = db.transaction((pass: Pass, budget: number) => this.aggregate(pass, budget)).deferred
    this.finishTx = db.transaction((end: number) => {
      this.journalDelete.run(end)
      this.endPass.run()
    }).immediate
    this.expire = db.transaction((tier: HistoryTier, before: number, maxRows: number) => this.expireStep(tier, before, Math.max(1, maxRows))).immediate
  }

  /**
   * One step of the current pass (starting one if there is none and the journal has rows):
   * about maxReports reports aggregated, or a fifth as many buckets written. Answers the number
   * of reports whose rollups the step completed: a whole pass's at its last step, else 0.
   */
  rollUp(o: RollUpOptions): number {
    const pass = this.pass ?? this.begin()
    if (!pass) return 0
    if (!pass.writes) {
      this.aggregateTx(pass, o.maxReports)
      return 0
    }
    this.writeTx(pass, Math.max(1, Math.floor(o.maxReports / 5)), o.expiredBefore)
    if (pass.written < pass.writes.length) return 0
    this.finishTx(pass.end)
    this.pass = undefined
    return pass.reports
  }

  private begin(): Pass | undefined {
    // A pass recorded but not finished was cut short: it is done again with the same end.
    let end = this.readPass.get() as number | undefined
    if (end === undefined) {
      let reports = 0
      for (const [id, n] of this.journalHead.all() as Array<[number, number]>) {
        if (end !== undefined && reports + n > PASS_MAX_REPORTS) break
        end = id
        reports += n
      }
      if (end === undefined) return undefined
      this.startPass.run(end)
    }
    this.pass = { end, reports: this.journalUpTo.get(end) as number, cameras: this.refsByCamera(end), next: 0, minutes: new Map(), written: 0 }
    return this.pass
  }

  /** The journal's references up to `end`, grouped by camera, each camera's sorted by (ts, seq). */
  private refsByCamera(end: number): CameraRefs[] {
    const byCam = new Map<number, Array<[number, number]>>()
    for (const refs of this.journalRefs.all(end) as Buffer[]) {
      readJournal(refs, (cam, ts, seq) => {
        let list = byCam.get(cam)
        if (list === undefined) byCam.set(cam, (list = []))
        list.push([ts, seq])
      })
    }
    const out: CameraRefs[] = []
    for (const [cam, list] of byCam) {
      list.sort((a, b) => a[0] - b[0] || a[1] - b[1])
      out.push({ cam, ts: list.map((r) => r[0]), seq: list.map((r) => r[1]) })
    }
    return out.sort((a, b) => a.cam - b.cam)
  }

  /**
   * Adds up the pass's reports of the next cameras, about `budget` reports, read back from the
   * raw tier per camera and minute. A camera's reports are read with one range scan per
   * stretch of time, matched against its pending list by walking both in (ts, seq) order:
   * rows of the range that are already in the rollups are passed over, and a report whose row
   * is gone (its camera was deleted meanwhile) is not found.
   */
  private aggregate(pass: Pass, budget: number): void {
    let done = 0
    while (done < budget && pass.next < pass.cameras.length) {
      const c = pass.cameras[pass.next++] as CameraRefs
      done += c.ts.length
      for (let from = 0; from < c.ts.length; ) {
        let to = from
        while (to + 1 < c.ts.length && (c.ts[to + 1] as number) - (c.ts[to] as number) <= SCAN_GAP_MS) to++
        let k = from
        for (const [ts, seq, data] of this.rawRange.iterate(c.cam, c.ts[from], c.ts[to]) as IterableIterator<[number, number, Buffer]>) {
          while (k <= to && ((c.ts[k] as number) < ts || (c.ts[k] === ts && (c.seq[k] as number) < seq))) k++
          if (k > to) break
          if (c.ts[k] !== ts || c.seq[k] !== seq) continue
          k++
          const aggs = bucketOf(pass.minutes, c.cam, Math.floor(ts / ROLLUP_BUCKET_MS['1m']))
          decodeMetricsScaled(data, 0, data.length, (metric, scale, v, value) => {
            const a = aggs.get(metric)
            if (a === undefined) aggs.set(metric, aggOf(scale, v, value))
            else addSample(a, scale, v, value)
          })
        }
        from = to + 1
      }
    }
    if (pass.next >= pass.cameras.length) pass.writes = this.plan(pass)
  }

  /** Every bucket the pass touches, minutes then hours, each in (camera, bucket) order. */
  private plan(pass: Pass): Array<[RollupTier, number, number, BucketAggs]> {
    const minutes: Array<[RollupTier, number, number, BucketAggs]> = []
    const hours: Partials = new Map()
    for (const cam of [...pass.minutes.keys()].sort((a, b) => a - b)) {
      const buckets = pass.minutes.get(cam) as Map<number, BucketAggs>
      for (const minute of [...buckets.keys()].sort((a, b) => a - b)) {
        const aggs = buckets.get(minute) as BucketAggs
        minutes.push(['1m', cam, minute, aggs])
        const hour = bucketOf(hours, cam, Math.floor(minute / MINUTES_PER_HOUR))
        for (const [metric, a] of aggs) {
          const h = hour.get(metric)
          if (h === undefined) hour.set(metric, copyAgg(a))
          else mergeAgg(h, a)
        }
      }
    }
    const out = minutes
    for (const [cam, buckets] of hours) for (const [hour, aggs] of buckets) out.push(['1h', cam, hour, aggs])
    pass.minutes = new Map()
    pass.cameras = []
    return out
  }

  /** Writes the pass's next `count` buckets; one already marked with this pass is left alone. */
  private writeBuckets(pass: Pass, count: number, expiredBefore: RollUpOptions['expiredBefore']): void {
    const writes = pass.writes as Array<[RollupTier, number, number, BucketAggs]>
    const stop = Math.min(writes.length, pass.written + count)
    for (let i = pass.written; i < stop; i++) {
      const [tier, cam, bucket, add] = writes[i] as [RollupTier, number, number, BucketAggs]
      const horizon = expiredBefore?.[tier]
      if (horizon !== undefined && bucket < Math.floor(horizon / ROLLUP_BUCKET_MS[tier])) continue
      const stored = this.get[tier].get(cam, bucket) as [number, Buffer] | undefined
      if (stored !== undefined && stored[0] >= pass.end) continue
      let aggs = add
      if (stored !== undefined) {
        aggs = decodeBucketAggs(stored[1])
        for (const [metric, a] of add) {
          const s = aggs.get(metric)
          if (s === undefined) aggs.set(metric, copyAgg(a))
          else mergeAgg(s, a)
        }
      }
      this.put[tier].run(cam, bucket, pass.end, encodeBucket(aggs, this.w))
    }
    pass.written = stop
  }

  /** Continues this tier's sweep over the cameras, deleting at most maxRows rows. */
  private expireStep(tier: HistoryTier, before: number, maxRows: number): { deleted: number; done: boolean } {
    const st = this.expireStatements[tier]
    if (tier !== 'raw') this.rollupHorizon[tier] = before
    const bound = tier === 'raw' ? before : Math.floor(before / ROLLUP_BUCKET_MS[tier])
    const pendingSince = tier === 'raw' ? ((this.oldestPending.get() as number | null) ?? Number.MAX_SAFE_INTEGER) : 0
    let deleted = 0
    for (let visited = 0; visited < EXPIRE_CAMERAS_PER_CALL; visited++) {
      const cam = st.next.get(this.sweep[tier]) as number | undefined
      if (cam === undefined) {
        this.sweep[tier] = 0
        return { deleted, done: true }
      }
      const left = maxRows - deleted
      if (st.known.get(cam) === undefined) deleted += st.all.run(cam, left).changes
      else if (tier === 'raw') {
        // Their identities stay (expired-keys.ts), so that a resend is still a duplicate.
        const keys = st.old.all(cam, bound, pendingSince, left) as Array<[number, number]>
        if (keys.length > 0) this.expired.add(cam, keys)
        deleted += keys.length
      } else {
        deleted += st.old.run(cam, bound, left).changes
        // Keys of raw rows older than both rollup tiers can no longer count twice anywhere.
        const other = this.rollupHorizon[tier === '1m' ? '1h' : '1m']
        if (other !== undefined) this.expired.forgetBefore(cam, Math.min(before, other))
      }
      // Stay on this camera while the budget may have cut its deletions short.
      if (deleted >= maxRows) {
        this.sweep[tier] = cam
        return { deleted, done: false }
      }
      this.sweep[tier] = cam + 1
    }
    return { deleted, done: false }
  }
}

function bucketOf(partials: Partials, cam: number, bucket: number): BucketAggs {
  let buckets = partials.get(cam)
  if (buckets === undefined) {
    buckets = new Map()
    partials.set(cam, buckets)
  }
  let aggs = buckets.get(bucket)
  if (aggs === undefined) {
    aggs = new Map()
    buckets.set(bucket, aggs)
  }
  return aggs
}
