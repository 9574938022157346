import type { Database, Statement } from 'better-sqlite3'
import type { Report } from '../../protocol/report.js'
import { MetricEncoder, decodeMetrics, decodeOne } from '../codec.js'
import type { CameraLatest, LatestMetrics, SeriesQuery, TelemetryStore, WriteOutcome } from '../ports.js'
import type { CameraNumbers } from './camera-numbers.js'

const NO_SEQ = -1
/** Custom metric names are data from the outside; an upper bound keeps the dictionary sane. */
export const MAX_METRIC_NAMES = 100_000

export class MetricDictionaryFullError extends Error {
  readonly code = 'metric_dictionary_full'
}

export class SqliteTelemetry implements TelemetryStore {
  private readonly encoder = new MetricEncoder()
  private readonly metricIds = new Map<string, number>()
  private readonly metricNames = new Map<number, string>()
  /** Highest seq stored per camera num: a report above it cannot be a counter reset. */
  private readonly maxSeq = new Map<number, number>()
  private readonly insert: Statement
  private readonly seqUsedElsewhere: Statement
  private readonly maxSeqOf: Statement
  private readonly insertMetric: Statement
  private readonly writeTx: (reports: readonly Report[], receivedAt: number) => WriteOutcome[]

  constructor(
    private readonly db: Database,
    private readonly cams: CameraNumbers,
  ) {
    for (const row of db.prepare('SELECT id, name FROM metric_names').all() as Array<{ id: number; name: string }>) {
      this.metricIds.set(row.name, row.id)
      this.metricNames.set(row.id, row.name)
    }
    this.insert = db.prepare('INSERT OR IGNORE INTO reports (cam, ts, seq, recv, data) VALUES (?, ?, ?, ?, ?)')
    this.seqUsedElsewhere = db.prepare('SELECT 1 FROM reports WHERE cam = ? AND seq = ? AND ts != ? LIMIT 1').pluck()
    this.maxSeqOf = db.prepare('SELECT max(seq) FROM reports WHERE cam = ? AND seq >= 0').pluck()
    this.insertMetric = db.prepare('INSERT INTO metric_names (id, name) VALUES (?, ?)')
    this.writeTx = db.transaction((reports: readonly Report[], receivedAt: number) =>
      reports.map((r) => this.writeOne(r, receivedAt)),
    )
  }

  async writeReports(reports: readonly Report[], receivedAt: number): Promise<WriteOutcome[]> {
    if (reports.length === 0) return []
    const maxSeqBefore = new Map(this.maxSeq)
    try {
      return this.writeTx(reports, receivedAt)
    } catch (err) {
      // The transaction rolled back: forget what it taught the in-memory caches.
      this.maxSeq.clear()
      for (const [k, v] of maxSeqBefore) this.maxSeq.set(k, v)
      this.reloadMetricNames()
      throw err
    }
  }

  private writeOne(r: Report, receivedAt: number): WriteOutcome {
    const cam = this.cams.require(r.cameraId)
    const seq = r.seq ?? NO_SEQ
    // Read before the insert, so that the report itself does not count as an earlier use.
    const knownMax = seq === NO_SEQ ? NO_SEQ : this.knownMaxSeq(cam)
    const inserted = this.insert.run(cam, r.ts, seq, receivedAt, this.encode(r.metrics)).changes === 1
    if (!inserted) return { duplicate: true, seqReset: false }
    let seqReset = false
    if (seq !== NO_SEQ) {
      if (seq <= knownMax) seqReset = this.seqUsedElsewhere.get(cam, seq, r.ts) !== undefined
      else this.maxSeq.set(cam, seq)
    }
    return { duplicate: false, seqReset }
  }

  private knownMaxSeq(cam: number): number {
    let known = this.maxSeq.get(cam)
    if (known === undefined) {
      known = (this.maxSeqOf.get(cam) as number | null) ?? NO_SEQ
      this.maxSeq.set(cam, known)
    }
    return known
  }

  private encode(metrics: Readonly<Record<string, number>>): Buffer {
    const entries: Array<[number, number]> = []
    for (const name in metrics) entries.push([this.metricId(name), metrics[name] as number])
    return this.encoder.encode(entries)
  }

  private metricId(name: string): number {
    let id = this.metricIds.get(name)
    if (id === undefined) {
      if (this.metricIds.size >= MAX_METRIC_NAMES) {
        throw new MetricDictionaryFullError(`more than ${MAX_METRIC_NAMES} distinct metric names`)
      }
      id = this.metricIds.size + 1
      this.insertMetric.run(id, name)
      this.metricIds.set(name, id)
      this.metricNames.set(id, name)
    }
    return id
  }

  private reloadMetricNames(): void {
    this.metricIds.clear()
    this.metricNames.clear()
    for (const row of this.db.prepare('SELECT id, name FROM metric_names').all() as Array<{ id: number; name: string }>) {
      this.metricIds.set(row.name, row.id)
      this.metricNames.set(row.id, row.name)
    }
  }

  async readSeries(q: SeriesQuery): Promise<Array<[number, number]>> {
    const cam = this.cams.get(q.cameraId)
    const id = this.metricIds.get(q.metric)
    if (cam === undefined || id === undefined) return []
    const rows = this.db
      .prepare('SELECT ts, data FROM reports WHERE cam = ? AND ts >= ? AND ts <= ? ORDER BY ts, seq')
      .raw()
      .iterate(cam, q.from, q.to) as IterableIterator<[number, Buffer]>
    const points: Array<[number, number]> = []
    for (const [ts, data] of rows) {
      const v = decodeOne(data, id)
      if (v !== undefined) points.push([ts, v])
      if (points.length >= q.limit) break
    }
    return points
  }

  async countReports(cameraId: string): Promise<number> {
    const cam = this.cams.get(cameraId)
    if (cam === undefined) return 0
    return this.db.prepare('SELECT count(*) FROM reports WHERE cam = ?').pluck().get(cam) as number
  }

  async loadLatest(): Promise<CameraLatest[]> {
    const cameras = this.db
      .prepare('SELECT num, id, latest, latest_ts, last_seen FROM cameras')
      .all() as Array<{ num: number; id: string; latest: string | null; latest_ts: number | null; last_seen: number | null }>
    const newer = this.db.prepare('SELECT ts, recv, data FROM reports WHERE cam = ? AND ts >= ? ORDER BY ts').raw()
    const out: CameraLatest[] = []
    for (const c of cameras) {
      const metrics: LatestMetrics = Object.create(null)
      if (c.latest) {
        for (const [name, [value, ts]] of Object.entries(JSON.parse(c.latest) as Record<string, [number, number]>)) {
          metrics[name] = { value, ts }
        }
      }
      let lastSeen = c.last_seen ?? undefined
      let lastTs = c.latest_ts ?? undefined
      for (const [ts, recv, data] of newer.iterate(c.num, c.latest_ts ?? 0) as IterableIterator<[number, number, Buffer]>) {
        lastSeen = Math.max(lastSeen ?? 0, recv)
        lastTs = Math.max(lastTs ?? 0, ts)
        decodeMetrics(data, (id, value) => {
          const name = this.metricNames.get(id)
          if (name === undefined) return
          const prev = metrics[name]
          if (!prev || prev.ts <= ts) metrics[name] = { value, ts }
        })
      }
      out.push({ cameraId: c.id, lastSeen, lastTs, metrics })
    }
    return out
  }

  async saveLatest(entries: readonly CameraLatest[]): Promise<void> {
    const update = this.db.prepare('UPDATE cameras SET latest = ?, latest_ts = ?, last_seen = ? WHERE id = ?')
    this.db.transaction(() => {
      for (const e of entries) {
        const compact: Record<string, [number, number]> = {}
        for (const [name, { value, ts }] of Object.entries(e.metrics)) compact[name] = [value, ts]
        update.run(JSON.stringify(compact), e.lastTs ?? null, e.lastSeen ?? null, e.cameraId)
      }
    })()
  }
}
