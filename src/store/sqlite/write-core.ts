import type { Database, Statement } from 'better-sqlite3'
import type { HistoryTier, RollUpOptions } from '../ports.js'
import { unpackBatch } from './batch-pack.js'
import { JournalBuilder } from './rollup-journal.js'
import { ExpiredKeys } from './expired-keys.js'
import { RollupWriter } from './rollup-writer.js'
import { NEXT_EVENT_ID_SQL } from './schema-events.js'

/** What became of each report of a batch: one byte each. */
export const OUTCOME_NEW = 0
export const OUTCOME_DUPLICATE = 1
export const OUTCOME_SEQ_RESET = 2

const NO_SEQ = -1

/** One camera's latest-values snapshot row (see SqliteTelemetry.saveLatest). */
export type LatestRow = [cameraId: string, latest: Uint8Array, latestTs: number | null, lastSeen: number | null]

/** A stream event other than telemetry, as the event log stores it (schema-events.ts). */
export type EventRow = [topic: string, cameraId: string | null, siteId: string | null, ts: number, dataJson: string]

/**
 * One statement of another store (alerts, the outbox of notifications …) and its positional
 * parameters, for `WriteCore.execute`: the SQL text is one of a fixed set in the code.
 */
export type SqlStatement = [sql: string, params: unknown[]]

/** A stored batch: one outcome byte per report, and the id of its first telemetry event (0: none). */
export interface BatchWritten {
  outcomes: Uint8Array
  firstEventId: number
}

export class UnknownCameraError extends Error {
  readonly code = 'unknown_camera'
}

/**
 * Whether a camera's seq is already taken by a report of another time (a counter reset).
 * `seq >= 0` repeats the partial index's condition (reports_by_seq), without which SQLite
 * cannot use that index and scans the camera's whole raw range, data included, for every report
 * below its highest seq: every report of a backlog synced after an outage.
 */
export const SEQ_USED_ELSEWHERE = 'SELECT 1 FROM reports WHERE cam = ? AND seq = ? AND seq >= 0 AND ts != ? LIMIT 1'

/**
 * Every write to telemetry and history, on one connection: in the writer thread
 * (writer-thread.ts), or inline for an in-memory store. Reads happen elsewhere, on the main
 * connection; SQLite's WAL lets them see each commit.
 */
export class WriteCore {
  private readonly journal = new JournalBuilder()
  /**
   * Highest seq stored per camera number: a report above it cannot be a counter reset. It
   * only ever grows, also past a rolled-back batch: too high costs a lookup, never a missed reset.
   */
  private readonly maxSeq = new Map<number, number>()
  /** Camera numbers known to exist; a batch for another fails whole, as the port requires. */
  private readonly knownCams = new Set<number>()
  private readonly insert: Statement
  private readonly insertJournal: Statement
  private readonly seqUsedElsewhere: Statement
  private readonly maxSeqOf: Statement
  private readonly cameraExists: Statement
  private readonly updateLatest: Statement
  private readonly rollups: RollupWriter
  private readonly expired: ExpiredKeys
  private readonly insertEvents: Statement
  private readonly trimEventRows: Statement
  private readonly batchTx: (buf: Uint8Array, events: boolean) => BatchWritten
  private readonly eventsTx: (rows: readonly EventRow[], at: number) => number
  private readonly groupTx: (steps: ReadonlyArray<() => unknown>) => unknown[]
  private readonly saveLatestTx: (rows: readonly LatestRow[]) => void
  private readonly executeTx: (statements: readonly SqlStatement[]) => number[]
  private readonly prepared = new Map<string, Statement>()
  /** The connection's synchronous setting, which acknowledged writes keep. */
  private readonly sync: number
  /**
   * The stream's event ids are handed out here, by the one connection that writes them, in the
   * order writes arrive; a write that rolls back gives its ids back, so ids stay contiguous.
   */
  private nextEventId: number
  /** Appended-at of the newest event row: `at` never decreases with the id (schema-events.ts). */
  private lastEventAt: number

  constructor(private readonly db: Database) {
    this.sync = db.pragma('synchronous', { simple: true }) as number
    this.insert = db.prepare('INSERT OR IGNORE INTO reports (cam, ts, seq, recv, data) VALUES (?, ?, ?, ?, ?)')
    this.insertJournal = db.prepare('INSERT INTO rollup_journal (recv, n, refs) VALUES (?, ?, ?)')
    this.seqUsedElsewhere = db.prepare(SEQ_USED_ELSEWHERE).pluck()
    this.maxSeqOf = db.prepare('SELECT max(seq) FROM reports WHERE cam = ? AND seq >= 0').pluck()
    this.cameraExists = db.prepare('SELECT 1 FROM cameras WHERE num = ?').pluck()
    this.updateLatest = db.prepare('UPDATE cameras SET latest = ?, latest_ts = ?, last_seen = ? WHERE id = ?')
    this.expired = new ExpiredKeys(db)
    this.rollups = new RollupWriter(db, this.expired)
    this.insertEvents = db.prepare('INSERT INTO events (id, n, at, topic, camera_id, site_id, ts, data, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    // Rows wholly below `oldest`, never the newest row (it keeps the next id across restarts).
    this.trimEventRows = db.prepare(
      'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < ? AND id + n <= ? AND id < (SELECT max(id) FROM events) ORDER BY id LIMIT ?)',
    )
    this.nextEventId = db.prepare(NEXT_EVENT_ID_SQL).pluck().get() as number
    this.lastEventAt = (db.prepare('SELECT at FROM events ORDER BY id DESC LIMIT 1').pluck().get() as number | undefined) ?? 0
    // IMMEDIATE: take the write lock up front, as another connection (the main one) writes too;
    // a transaction that began by reading could not upgrade once it committed (SQLITE_BUSY_SNAPSHOT).
    this.batchTx = db.transaction((buf: Uint8Array, events: boolean) => this.writeBatch(buf, events)).immediate
    this.eventsTx = db.transaction((rows: readonly EventRow[], at: number) => this.writeEvents(rows, at)).immediate
    // Several writes in one commit (one fsync), each in its own savepoint so that one failing
    // write fails alone.
    this.groupTx = db.transaction((steps: ReadonlyArray<() => unknown>) => steps.map((step) => this.guarded(step))).immediate
    this.saveLatestTx = db.transaction((rows: readonly LatestRow[]) => {
      for (const [id, latest, latestTs, lastSeen] of rows) this.updateLatest.run(asBuffer(latest), latestTs, lastSeen, id)
    }).immediate
    this.executeTx = db.transaction((statements: readonly SqlStatement[]) => statements.map(([sql, params]) => this.statement(sql).run(...params).changes)).immediate
  }

  /**
   * Stores one packed batch (batch-pack.ts) in its own transaction; one outcome byte per report.
   * With `events`, each new report also gets a telemetry event in the same commit.
   */
  write(buf: Uint8Array, events = false): BatchWritten {
    return this.keepingIds(() => this.batchTx(buf, events))
  }

  /** Appends stream events in their own transaction; answers the first id. */
  appendEvents(rows: readonly EventRow[], at: number): number {
    return this.keepingIds(() => this.eventsTx(rows, at))
  }

  /**
   * Runs several writes (calls of `write` and `appendEvents`) in one transaction; a failed one
   * answers its error, the others commit.
   */
  writeGroup(steps: ReadonlyArray<() => unknown>): unknown[] {
    return this.keepingIds(() => this.groupTx(steps))
  }

  /**
   * Runs the statements in one transaction, committed like a batch (and with the batches queued
   * beside it); answers each one's count of changed rows. All or none of them are stored.
   */
  execute(statements: readonly SqlStatement[]): number[] {
    return this.executeTx(statements)
  }

  /** Deletes at most `maxRows` event rows wholly below id `oldest` (the replay window's start). */
  trimEvents(oldest: number, maxRows: number): number {
    return this.background(() => this.trimEventRows.run(oldest, oldest, maxRows).changes)
  }

  rollUp(o: RollUpOptions): number {
    return this.background(() => this.rollups.rollUp(o))
  }

  expire(tier: HistoryTier, before: number, maxRows: number): { deleted: number; done: boolean } {
    return this.background(() => this.rollups.expire(tier, before, maxRows))
  }

  saveLatest(rows: readonly LatestRow[]): void {
    this.background(() => this.saveLatestTx(rows))
  }

  /**
   * Background work commits without an fsync of its own (synchronous = NORMAL). The WAL keeps
   * commits in order, and the next acknowledged batch's fsync makes them durable with it; a
   * power cut can only lose a suffix of them, and each is redone from what remains: a rollup
   * pass is repeated from its journal rows (rollup-writer.ts), a retention sweep or a snapshot
   * comes again. Acknowledged batches keep the configured setting.
   */
  private background<T>(fn: () => T): T {
    if (this.sync <= 1) return fn()
    this.db.pragma('synchronous = NORMAL')
    try {
      return fn()
    } finally {
      this.db.pragma(`synchronous = ${this.sync}`)
    }
  }

  private statement(sql: string): Statement {
    let s = this.prepared.get(sql)
    if (s === undefined) this.prepared.set(sql, (s = this.db.prepare(sql)))
    return s
  }

  private guarded(step: () => unknown): unknown {
    try {
      // Nested in groupTx, better-sqlite3 makes each write a savepoint.
      return step()
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err))
    }
  }

  /** A write that rolls back gives back the event ids it took. */
  private keepingIds<T>(fn: () => T): T {
    const next = this.nextEventId
    const at = this.lastEventAt
    try {
      return fn()
    } catch (err) {
      this.nextEventId = next
      this.lastEventAt = at
      throw err
    }
  }

  private eventRow(n: number, at: number): [id: number, at: number] {
    const id = this.nextEventId
    this.nextEventId += n
    this.lastEventAt = Math.max(this.lastEventAt, at)
    return [id, this.lastEventAt]
  }

  private writeEvents(rows: readonly EventRow[], at: number): number {
    if (rows.length === 0) return 0
    const first = this.nextEventId
    for (const [topic, cameraId, siteId, ts, dataJson] of rows) {
      const [id, rowAt] = this.eventRow(1, at)
      this.insertEvents.run(id, 1, rowAt, topic, cameraId, siteId, ts, dataJson, null)
    }
    return first
  }

  private writeBatch(bytes: Uint8Array, events: boolean): BatchWritten {
    const buf = asBuffer(bytes)
    const { receivedAt, reports } = unpackBatch(buf)
    const outcomes = new Uint8Array(reports.length)
    this.journal.reset()
    for (let i = 0; i < reports.length; i++) {
      const r = reports[i] as (typeof reports)[number]
      if (!this.knownCams.has(r.cam)) {
        if (this.cameraExists.get(r.cam) === undefined) throw new UnknownCameraError(`camera number ${r.cam} is not registered`)
        this.knownCams.add(r.cam)
      }
      // Read before the insert, so that the report itself does not count as an earlier use.
      const knownMax = r.seq === NO_SEQ ? NO_SEQ : this.knownMaxSeq(r.cam)
      const data = buf.subarray(r.start, r.end)
      // A report whose raw row retention deleted is in the rollups already: sent again, it is a duplicate.
      if (this.expired.has(r.cam, r.ts, r.seq) || this.insert.run(r.cam, r.ts, r.seq, receivedAt, data).changes !== 1) {
        outcomes[i] = OUTCOME_DUPLICATE
        continue
      }
      this.journal.add(r.cam, r.ts, r.seq)
      if (r.seq === NO_SEQ) continue
      if (r.seq <= knownMax) {
        if (this.seqUsedElsewhere.get(r.cam, r.seq, r.ts) !== undefined) outcomes[i] = OUTCOME_SEQ_RESET
      } else {
        this.maxSeq.set(r.cam, r.seq)
      }
    }
    // The stored reports wait in the journal for the roller, committed with them (see rollup-journal.ts).
    const n = this.journal.count
    if (n === 0) return { outcomes, firstEventId: 0 }
    const refs = this.journal.take()
    this.insertJournal.run(receivedAt, n, refs)
    if (!events) return { outcomes, firstEventId: 0 }
    // Their telemetry events name the same reports, in the same encoding (schema-events.ts).
    const [id, at] = this.eventRow(n, receivedAt)
    this.insertEvents.run(id, n, at, 'telemetry', null, null, null, null, refs)
    return { outcomes, firstEventId: id }
  }

  private knownMaxSeq(cam: number): number {
    let known = this.maxSeq.get(cam)
    if (known === undefined) {
      known = (this.maxSeqOf.get(cam) as number | null) ?? NO_SEQ
      this.maxSeq.set(cam, known)
    }
    return known
  }
}

/** A Buffer view of bytes (no copy): better-sqlite3 binds Buffers as blobs, and messages from another thread arrive as Uint8Arrays. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
