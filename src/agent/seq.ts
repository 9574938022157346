import type { Database, Statement } from 'better-sqlite3'
import type { Report } from '../protocol/report.js'

const NO_SEQ = -1

/**
 * Gives each report its seq, durably, inside the buffer's append transaction, and recognises a
 * report taken before. A sender that got no answer (the agent was killed after the commit,
 * before answering) sends the same report again; without a seq of its own it would otherwise get
 * a new seq and be stored twice upstream, since the server tells reports apart by
 * (cameraId, seq, ts). So every report taken is remembered for at least `windowMs` by
 * (cameraId, ts, the seq it came with), and a retry within that window is a duplicate.
 */
export class SeqAssigner {
  private readonly next = new Map<string, number>()
  private readonly dirty = new Set<string>()
  private readonly getCounter: Statement
  private readonly putCounter: Statement
  private readonly seenGet: [Statement, Statement]
  private readonly seenPut: [Statement, Statement]
  private readonly clear: [Statement, Statement]
  private readonly putMeta: Statement
  private readonly getMeta: Statement
  private current: 0 | 1 = 0
  private currentSince = 0

  constructor(
    db: Database,
    private readonly windowMs: number,
    now: number,
  ) {
    this.getCounter = db.prepare('SELECT next_seq FROM counters WHERE camera_id = ?').pluck()
    this.putCounter = db.prepare(
      'INSERT INTO counters (camera_id, next_seq) VALUES (?, ?) ON CONFLICT (camera_id) DO UPDATE SET next_seq = excluded.next_seq',
    )
    const table = (i: 0 | 1) => `seen_${i}`
    this.seenGet = [0, 1].map((i) => db.prepare(`SELECT seq FROM ${table(i as 0 | 1)} WHERE camera_id = ? AND ts = ? AND sent_seq = ?`).pluck()) as [Statement, Statement]
    this.seenPut = [0, 1].map((i) => db.prepare(`INSERT INTO ${table(i as 0 | 1)} (camera_id, ts, sent_seq, seq) VALUES (?, ?, ?, ?)`)) as [Statement, Statement]
    // Without a WHERE clause SQLite empties the table in one step instead of row by row.
    this.clear = [0, 1].map((i) => db.prepare(`DELETE FROM ${table(i as 0 | 1)}`)) as [Statement, Statement]
    this.putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    this.loadWindow(now)
  }

  /**
   * Inside the append transaction: the report's seq, or undefined when the report was taken
   * within the window already. Entries live between one and two windows.
   */
  assign(r: Report, now: number): number | undefined {
    this.rotateIfDue(now)
    const sentSeq = r.seq ?? NO_SEQ
    if (this.windowMs > 0) {
      for (const get of this.seenGet) {
        if (get.get(r.cameraId, r.ts, sentSeq) !== undefined) return undefined
      }
    }
    const seq = r.seq ?? this.counterOf(r.cameraId)
    // A sender that gives seqs for some reports and not others must not see ours collide with its own.
    this.setCounter(r.cameraId, Math.max(this.counterOf(r.cameraId), seq + 1))
    if (this.windowMs > 0) this.seenPut[this.current].run(r.cameraId, r.ts, sentSeq, seq)
    return seq
  }

  /** Writes the counters changed in this transaction; call last, inside it. */
  flush(): void {
    for (const id of this.dirty) this.putCounter.run(id, this.next.get(id))
    this.dirty.clear()
  }

  /** The transaction rolled back: forget what it changed in memory. */
  rollback(now: number): void {
    this.next.clear()
    this.dirty.clear()
    this.loadWindow(now)
  }

  private loadWindow(now: number): void {
    this.current = this.getMeta.get('seen_current') === 1 ? 1 : 0
    this.currentSince = (this.getMeta.get('seen_since') as number | undefined) ?? now
  }

  private counterOf(cameraId: string): number {
    let n = this.next.get(cameraId)
    if (n === undefined) {
      n = (this.getCounter.get(cameraId) as number | undefined) ?? 0
      this.next.set(cameraId, n)
    }
    return n
  }

  private setCounter(cameraId: string, n: number): void {
    if (this.next.get(cameraId) === n) return
    this.next.set(cameraId, n)
    this.dirty.add(cameraId)
  }

  private rotateIfDue(now: number): void {
    if (this.windowMs <= 0) return
    const elapsed = Math.floor((now - this.currentSince) / this.windowMs)
    if (elapsed === 0) return
    // Windows on a fixed grid: at any append the tables hold the current and the previous window
    // only, so nothing is remembered longer than two windows, however rarely reports come.
    if (elapsed === 1) {
      this.current = this.current === 0 ? 1 : 0
      this.clear[this.current].run()
      this.currentSince += this.windowMs
    } else {
      // Two windows or more have passed, or the clock went back: forget everything.
      this.clear[0].run()
      this.clear[1].run()
      this.currentSince = now
    }
    this.putMeta.run('seen_current', this.current)
    this.putMeta.run('seen_since', this.currentSince)
  }
}
