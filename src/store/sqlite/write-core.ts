import type { Database, Statement } from 'better-sqlite3'
import type { HistoryTier, RollUpOptions } from '../ports.js'
import { unpackBatch } from './batch-pack.js'
import { JournalBuilder } from './rollup-journal.js'
import { RollupWriter } from './rollup-writer.js'

/** What became of each report of a batch: one byte each. */
export const OUTCOME_NEW = 0
export const OUTCOME_DUPLICATE = 1
export const OUTCOME_SEQ_RESET = 2

const NO_SEQ = -1

/** One camera's latest-values snapshot row (see SqliteTelemetry.saveLatest). */
export type LatestRow = [cameraId: string, latest: Uint8Array, latestTs: number | null, lastSeen: number | null]

export class UnknownCameraError extends Error {
  readonly code = 'unknown_camera'
}

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
  private readonly batchTx: (buf: Uint8Array) => Uint8Array
  private readonly groupTx: (bufs: readonly Uint8Array[]) => Array<Uint8Array | Error>
  private readonly saveLatestTx: (rows: readonly LatestRow[]) => void
  /** The connection's synchronous setting, which acknowledged writes keep. */
  private readonly sync: number

  constructor(private readonly db: Database) {
    this.sync = db.pragma('synchronous', { simple: true }) as number
    this.insert = db.prepare('INSERT OR IGNORE INTO reports (cam, ts, seq, recv, data) VALUES (?, ?, ?, ?, ?)')
    this.insertJournal = db.prepare('INSERT INTO rollup_journal (recv, n, refs) VALUES (?, ?, ?)')
    this.seqUsedElsewhere = db.prepare('SELECT 1 FROM reports WHERE cam = ? AND seq = ? AND ts != ? LIMIT 1').pluck()
    this.maxSeqOf = db.prepare('SELECT max(seq) FROM reports WHERE cam = ? AND seq >= 0').pluck()
    this.cameraExists = db.prepare('SELECT 1 FROM cameras WHERE num = ?').pluck()
    this.updateLatest = db.prepare('UPDATE cameras SET latest = ?, latest_ts = ?, last_seen = ? WHERE id = ?')
    this.rollups = new RollupWriter(db)
    // IMMEDIATE: take the write lock up front, as another connection (the main one) writes too;
    // a transaction that began by reading could not upgrade once it committed (SQLITE_BUSY_SNAPSHOT).
    this.batchTx = db.transaction((buf: Uint8Array) => this.writeBatch(buf)).immediate
    // Several batches in one commit (one fsync), each in its own savepoint so that one failing
    // batch fails alone.
    this.groupTx = db.transaction((bufs: readonly Uint8Array[]) => bufs.map((buf) => this.writeGuarded(buf))).immediate
    this.saveLatestTx = db.transaction((rows: readonly LatestRow[]) => {
      for (const [id, latest, latestTs, lastSeen] of rows) this.updateLatest.run(asBuffer(latest), latestTs, lastSeen, id)
    }).immediate
  }

  /** Stores one packed batch (batch-pack.ts) in its own transaction; one outcome byte per report. */
  write(buf: Uint8Array): Uint8Array {
    return this.batchTx(buf)
  }

  /** Stores several packed batches in one transaction; a failed batch answers its error. */
  writeGroup(bufs: readonly Uint8Array[]): Array<Uint8Array | Error> {
    return this.groupTx(bufs)
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

  private writeGuarded(buf: Uint8Array): Uint8Array | Error {
    try {
      // Nested in groupTx, better-sqlite3 makes this a savepoint.
      return this.batchTx(buf)
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err))
    }
  }

  private writeBatch(bytes: Uint8Array): Uint8Array {
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
      if (this.insert.run(r.cam, r.ts, r.seq, receivedAt, data).changes !== 1) {
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
    if (this.journal.count > 0) this.insertJournal.run(receivedAt, this.journal.count, this.journal.take())
    return outcomes
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
