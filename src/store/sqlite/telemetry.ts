import type { Database } from 'better-sqlite3'
import type { Report } from '../../protocol/report.js'
import { decodeMetrics, decodeOne } from '../codec.js'
import type { CameraLatest, LatestMetrics, LatestQuery, SeriesQuery, TelemetryStore, WriteOutcome } from '../ports.js'
import { BatchPacker } from './batch-pack.js'
import type { CameraNumbers } from './camera-numbers.js'
import type { MetricNames } from './metric-names.js'
import { OUTCOME_DUPLICATE, OUTCOME_SEQ_RESET, type LatestRow } from './write-core.js'
import type { Writer } from './writer.js'
import type { SqliteEventLog } from './event-log.js'
import { LatestEncoder, decodeLatest } from './latest-snapshot.js'

export { MAX_METRIC_NAMES, MetricDictionaryFullError } from './metric-names.js'

const NEW: WriteOutcome = Object.freeze({ duplicate: false, seqReset: false })
const DUPLICATE: WriteOutcome = Object.freeze({ duplicate: true, seqReset: false })
const RESET: WriteOutcome = Object.freeze({ duplicate: false, seqReset: true })

/**
 * Raw telemetry on SQLite. Writes are packed here, on the caller's thread, with camera numbers
 * and metric ids resolved, and applied by the writer (writer.ts); reads use this connection.
 */
export class SqliteTelemetry implements TelemetryStore {
  private readonly packer = new BatchPacker()
  private readonly latest = new LatestEncoder()
  private readonly camOf = (cameraId: string) => this.cams.require(cameraId)
  // New metric names are committed at once, on their own: an unused name is harmless, and a
  // name must exist before any row that refers to its id.
  private readonly idOf = (metric: string) => this.names.assign(metric)
  private eventLog: SqliteEventLog | undefined

  constructor(
    private readonly db: Database,
    private readonly cams: CameraNumbers,
    private readonly names: MetricNames,
    private readonly writer: Writer,
  ) {}

  get logsTelemetryEvents(): boolean {
    return this.eventLog !== undefined
  }

  /** From now on, each new report's telemetry event commits with it into this log. */
  recordEventsIn(log: SqliteEventLog): void {
    this.eventLog = log
  }

  async writeReports(reports: readonly Report[], receivedAt: number): Promise<WriteOutcome[]> {
    if (reports.length === 0) return []
    const batch = this.packer.pack(reports, receivedAt, this.camOf, this.idOf)
    // Taken right as the batch goes to the writer, which hands out event ids in that order.
    const slot = this.eventLog?.reserve()
    let written
    try {
      written = await this.writer.write(batch, slot !== undefined)
    } catch (err) {
      slot?.failed()
      throw err
    }
    const codes = written.outcomes
    const out: WriteOutcome[] = new Array(codes.length)
    for (let i = 0; i < codes.length; i++) out[i] = codes[i] === OUTCOME_DUPLICATE ? DUPLICATE : codes[i] === OUTCOME_SEQ_RESET ? RESET : NEW
    slot?.telemetry(reports, out, written.firstEventId)
    return out
  }

  async readSeries(q: SeriesQuery): Promise<Array<[number, number]>> {
    const cam = this.cams.get(q.cameraId)
    const id = this.names.idOf(q.metric)
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

  async readLatest(q: LatestQuery): Promise<{ reportTs: number | undefined; samples: Record<string, [number, number]> }> {
    const samples: Record<string, [number, number]> = {}
    const cam = this.cams.get(q.cameraId)
    if (cam === undefined) return { reportTs: undefined, samples }
    // The metrics still missing, by dictionary id (a name never stored cannot be found).
    const wanted = new Map<number, string>()
    for (const m of q.metrics) {
      const id = this.names.idOf(m)
      if (id !== undefined) wanted.set(id, m)
    }
    const rows = this.db
      .prepare('SELECT ts, data FROM reports WHERE cam = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC, seq DESC')
      .raw()
      .iterate(cam, q.from, q.to) as IterableIterator<[number, Buffer]>
    let reportTs: number | undefined
    let read = 0
    for (const [ts, data] of rows) {
      reportTs ??= ts
      if (wanted.size > 0) {
        decodeMetrics(data, (id, value) => {
          const name = wanted.get(id)
          if (name === undefined) return
          samples[name] = [ts, value]
          wanted.delete(id)
        })
      }
      if (wanted.size === 0 || ++read >= q.maxReports) break
    }
    return { reportTs, samples }
  }

  async countReports(cameraId: string): Promise<number> {
    const cam = this.cams.get(cameraId)
    if (cam === undefined) return 0
    return this.db.prepare('SELECT count(*) FROM reports WHERE cam = ?').pluck().get(cam) as number
  }

  async loadLatest(): Promise<CameraLatest[]> {
    const cameras = this.db
      .prepare('SELECT num, id, latest, latest_ts, last_seen FROM cameras')
      .all() as Array<{ num: number; id: string; latest: Buffer | string | null; latest_ts: number | null; last_seen: number | null }>
    const newer = this.db.prepare('SELECT ts, recv, data FROM reports WHERE cam = ? AND ts >= ? ORDER BY ts').raw()
    const out: CameraLatest[] = []
    for (const c of cameras) {
      let metrics: LatestMetrics = Object.create(null)
      if (Buffer.isBuffer(c.latest)) {
        metrics = decodeLatest(c.latest, c.latest_ts ?? 0, (id) => this.names.nameOf(id))
      } else if (typeof c.latest === 'string') {
        // The JSON form of data folders written before the compact snapshot.
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
          const name = this.names.nameOf(id)
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
    const rows: LatestRow[] = entries.map((e) => [e.cameraId, this.latest.encode(e.metrics, e.lastTs ?? 0, this.idOf), e.lastTs ?? null, e.lastSeen ?? null])
    if (rows.length > 0) await this.writer.saveLatest(rows)
  }
}
