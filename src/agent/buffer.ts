import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database, { type Database as Db, type Statement } from 'better-sqlite3'
import type { Report } from '../protocol/report.js'
import { BUFFER_SCHEMA, BUFFER_SCHEMA_VERSION, ROW_OVERHEAD_BYTES } from './buffer-schema.js'
import { type Dropped, GapLedger, type GapRecord } from './gap-ledger.js'
import { SeqAssigner } from './seq.js'

export type { GapRecord } from './gap-ledger.js'

export type Lane = 'live' | 'backlog'

export interface BufferedRow {
  readonly id: number
  readonly cameraId: string
  /** Arrival at the agent, epoch ms. */
  readonly at: number
  readonly body: string
}

/** Rows handed to one lane for upload; they stay in the buffer until settled. */
export interface Batch {
  readonly lane: Lane
  readonly rows: readonly BufferedRow[]
}

export interface BatchLimit {
  readonly reports: number
  readonly bytes: number
}

/** What the server made of one report of a batch. */
export type Verdict = 'stored' | 'rejected'

export interface BufferStats {
  readonly reports: number
  readonly bytes: number
  /** Arrival time of the oldest buffered report, epoch ms. */
  readonly oldestAt: number | undefined
  /** Reports dropped by the size cap, ever. */
  readonly dropped: number
  /** Reports the server rejected as invalid, ever. */
  readonly rejected: number
  readonly gapsPending: number
}

export interface BufferOptions {
  /** Folder of the buffer; the database is `buffer.db` inside. */
  readonly dir: string
  readonly capBytes: number
  /** How long a report taken is remembered to recognise a sender's retry (ms). */
  readonly dedupWindowMs: number
  /** `full` (default) fsyncs every commit, so an answered report survives a power cut too. */
  readonly sync?: 'full' | 'normal'
  readonly now: number
}

interface Totals {
  rows: number
  bytes: number
  dropped: number
  rejected: number
}

const rowBytes = (cameraId: string, body: string): number => body.length + cameraId.length + ROW_OVERHEAD_BYTES

/**
 * The durable store-and-forward buffer. Reports are rows in arrival order (id). Two lanes take
 * rows for upload: `live` the newest rows not yet handed out (above `liveCursor`), `backlog` the
 * oldest rows at or below it, so that after an outage the present goes first and the past
 * drains behind it. A row leaves the buffer only in `settle` (the server stored or rejected it)
 * or when the size cap drops it, and the cap never drops a row in flight.
 */
export class ReportBuffer {
  private readonly seqs: SeqAssigner
  private readonly gaps: GapLedger
  private readonly totals: Totals
  /** Rows above are live; rows at or below are backlog (the live lane passed them over). */
  private liveCursor: number
  /** Ids of rows in flight, which the cap must not drop. */
  private readonly inflight = new Set<number>()
  /** First and last id of the live batch in flight: one at a time. */
  private liveRange: [number, number] | undefined
  private readonly gapsInflight = new Set<number>()
  private readonly st: Record<'insert' | 'newest' | 'backlog' | 'oldest' | 'oldestAt' | 'delete' | 'putMeta', Statement>
  private readonly appendTx: (reports: readonly Report[], now: number) => { accepted: number; duplicates: number }
  private readonly settleTx: (batch: Batch, verdicts: ReadonlyArray<Verdict | undefined>) => { stored: number; rejected: number }

  private constructor(
    private readonly db: Db,
    private readonly o: BufferOptions,
  ) {
    this.seqs = new SeqAssigner(db, o.dedupWindowMs, o.now)
    this.gaps = new GapLedger(db)
    const meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    const num = (key: string) => (meta.get(key) as number | undefined) ?? 0
    this.totals = { rows: num('rows'), bytes: num('bytes'), dropped: num('dropped'), rejected: num('rejected') }
    this.liveCursor = (db.prepare('SELECT max(id) FROM reports').pluck().get() as number | null) ?? 0
    this.st = {
      insert: db.prepare('INSERT INTO reports (camera_id, ts, at, body) VALUES (?, ?, ?, ?)'),
      newest: db.prepare('SELECT id, camera_id AS cameraId, at, body FROM reports WHERE id > ? ORDER BY id DESC LIMIT ?'),
      backlog: db.prepare(
        'SELECT id, camera_id AS cameraId, at, body FROM reports WHERE id <= @cursor AND (id < @lo OR id > @hi) ORDER BY id LIMIT @limit',
      ),
      oldest: db.prepare(`SELECT id, camera_id AS cameraId, ts, length(body) + length(camera_id) + ${ROW_OVERHEAD_BYTES} AS bytes FROM reports WHERE id > ? ORDER BY id LIMIT ?`),
      oldestAt: db.prepare('SELECT at FROM reports ORDER BY id LIMIT 1').pluck(),
      delete: db.prepare('DELETE FROM reports WHERE id = ?'),
      putMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    }
    this.appendTx = db.transaction((reports: readonly Report[], now: number) => {
      let accepted = 0
      for (const r of reports) {
        const seq = this.seqs.assign(r, now)
        if (seq === undefined) continue
        const body = JSON.stringify({ cameraId: r.cameraId, seq, ts: r.ts, metrics: r.metrics })
        this.st.insert.run(r.cameraId, r.ts, now, body)
        this.totals.rows++
        this.totals.bytes += rowBytes(r.cameraId, body)
        accepted++
      }
      this.seqs.flush()
      if (this.totals.bytes > this.o.capBytes) this.dropOldest()
      this.writeTotals()
      return { accepted, duplicates: reports.length - accepted }
    })
    this.settleTx = db.transaction((batch: Batch, verdicts: ReadonlyArray<Verdict | undefined>) => {
      let stored = 0
      let rejected = 0
      batch.rows.forEach((row, i) => {
        const v = verdicts[i]
        if (v === undefined || this.st.delete.run(row.id).changes === 0) return
        this.totals.rows--
        this.totals.bytes -= rowBytes(row.cameraId, row.body)
        if (v === 'stored') {
          stored++
          this.gaps.uploaded(row.cameraId)
        } else {
          rejected++
        }
      })
      this.totals.rejected += rejected
      this.writeTotals()
      return { stored, rejected }
    })
  }

  static open(o: BufferOptions): ReportBuffer {
    mkdirSync(o.dir, { recursive: true })
    const db = new Database(join(o.dir, 'buffer.db'))
    try {
      db.pragma('journal_mode = WAL')
      db.pragma(`synchronous = ${o.sync === 'normal' ? 'NORMAL' : 'FULL'}`)
      db.pragma('busy_timeout = 5000')
      // better-sqlite3 defaults to a 16 MB page cache, which fills slowly and shows as creeping
      // memory on a small box; the hot pages here (the ends of the reports table, the newest
      // dedup entries) fit in 4 MB.
      db.pragma('cache_size = -4000')
      db.exec(BUFFER_SCHEMA)
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as number | undefined
      if (version === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(BUFFER_SCHEMA_VERSION)
      else if (version > BUFFER_SCHEMA_VERSION) throw new Error(`the buffer in ${o.dir} has schema version ${version}; this camtel knows up to ${BUFFER_SCHEMA_VERSION}`)
      return new ReportBuffer(db, o)
    } catch (err) {
      db.close()
      throw err
    }
  }

  /**
   * Buffers validated reports in one transaction, durable when this returns: seqs assigned,
   * reports the buffer took within the dedup window counted as duplicates, and the oldest rows
   * dropped (and recorded as gaps) if the cap is passed.
   */
  append(reports: readonly Report[], now: number): { accepted: number; duplicates: number } {
    if (reports.length === 0) return { accepted: 0, duplicates: 0 }
    const before = { ...this.totals }
    try {
      return this.appendTx(reports, now)
    } catch (err) {
      Object.assign(this.totals, before)
      this.seqs.rollback(now)
      this.gaps.reload()
      throw err
    }
  }

  /** The newest rows not handed out yet; older ones skipped over join the backlog. */
  takeLive(limit: BatchLimit): Batch | undefined {
    if (this.liveRange) return undefined
    const rows = this.fit(this.st.newest.all(this.liveCursor, limit.reports) as BufferedRow[], limit.bytes).reverse()
    const first = rows[0]
    const last = rows[rows.length - 1]
    if (!first || !last) return undefined
    this.liveCursor = last.id
    this.liveRange = [first.id, last.id]
    for (const r of rows) this.inflight.add(r.id)
    return { lane: 'live', rows }
  }

  /** The oldest rows that the live lane has passed over, not in flight. */
  takeBacklog(limit: BatchLimit): Batch | undefined {
    const [lo, hi] = this.liveRange ?? [0, 0]
    const found = this.st.backlog.all({ cursor: this.liveCursor, lo, hi, limit: limit.reports }) as BufferedRow[]
    const rows = this.fit(found, limit.bytes).filter((r) => !this.inflight.has(r.id))
    if (rows.length === 0) return undefined
    for (const r of rows) this.inflight.add(r.id)
    return { lane: 'backlog', rows }
  }

  /** Rows in order until `bytes` (at least one). */
  private fit(rows: BufferedRow[], bytes: number): BufferedRow[] {
    let used = 0
    let n = 0
    for (const r of rows) {
      used += r.body.length
      if (n > 0 && used > bytes) break
      n++
    }
    return n === rows.length ? rows : rows.slice(0, n)
  }

  /**
   * Deletes the rows the server stored or rejected, keeps the others (now backlog), in one
   * transaction; frees the batch.
   */
  settle(batch: Batch, verdicts: ReadonlyArray<Verdict | undefined>): { stored: number; rejected: number } {
    const before = { ...this.totals }
    try {
      return this.settleTx(batch, verdicts)
    } catch (err) {
      Object.assign(this.totals, before)
      this.gaps.reload()
      throw err
    } finally {
      this.free(batch)
    }
  }

  /**
   * The batch was not acknowledged: its rows stay. A live batch stays live, so that a failed
   * upload of the present is retried before the backlog rather than queued behind all of it; if
   * more than a batch arrives meanwhile, the newest go first and the rest join the backlog.
   */
  release(batch: Batch): void {
    this.free(batch)
    const first = batch.rows[0]
    if (batch.lane === 'live' && first) this.liveCursor = Math.min(this.liveCursor, first.id - 1)
  }

  private free(batch: Batch): void {
    for (const r of batch.rows) this.inflight.delete(r.id)
    if (batch.lane === 'live') this.liveRange = undefined
  }

  takeGaps(max: number): GapRecord[] {
    const gaps = this.gaps.take(max, this.gapsInflight)
    for (const g of gaps) this.gapsInflight.add(g.id)
    return gaps
  }

  /** `delivered`: the server has it (or refused it for good); otherwise it is sent again later. */
  settleGap(g: GapRecord, delivered: boolean): void {
    this.gapsInflight.delete(g.id)
    if (delivered) this.gaps.delivered(g)
  }

  stats(): BufferStats {
    return {
      reports: this.totals.rows,
      bytes: this.totals.bytes,
      oldestAt: (this.st.oldestAt.get() as number | undefined) ?? undefined,
      dropped: this.totals.dropped,
      rejected: this.totals.rejected,
      gapsPending: this.gaps.pendingCount(),
    }
  }

  close(): void {
    if (!this.db.open) return
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    this.db.close()
  }

  /**
   * Inside the append transaction: drops the oldest rows not in flight until the buffer is a
   * little under its cap (so that a full buffer does not drop on every append), and records
   * per camera what went.
   */
  private dropOldest(): void {
    const slack = Math.min(Math.floor(this.o.capBytes / 100), 16 * 1024 * 1024)
    let excess = this.totals.bytes - (this.o.capBytes - slack)
    const drops = new Map<string, Dropped>()
    let dropped = 0
    for (let after = 0; excess > 0; ) {
      const rows = this.st.oldest.all(after, 1000) as Array<{ id: number; cameraId: string; ts: number; bytes: number }>
      if (rows.length === 0) break
      for (const r of rows) {
        after = r.id
        if (this.inflight.has(r.id)) continue
        this.st.delete.run(r.id)
        this.totals.rows--
        this.totals.bytes -= r.bytes
        excess -= r.bytes
        dropped++
        const d = drops.get(r.cameraId)
        if (d) {
          d.from = Math.min(d.from, r.ts)
          d.to = Math.max(d.to, r.ts)
          d.reports++
        } else {
          drops.set(r.cameraId, { from: r.ts, to: r.ts, reports: 1 })
        }
        if (excess <= 0) break
      }
    }
    this.totals.dropped += dropped
    this.gaps.record(drops)
  }

  private writeTotals(): void {
    this.st.putMeta.run('rows', this.totals.rows)
    this.st.putMeta.run('bytes', this.totals.bytes)
    this.st.putMeta.run('dropped', this.totals.dropped)
    this.st.putMeta.run('rejected', this.totals.rejected)
  }
}
