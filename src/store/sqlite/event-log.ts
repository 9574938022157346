import DatabaseConstructor, { type Database, type Statement } from 'better-sqlite3'
import type { Report } from '../../protocol/report.js'
import { type DomainEvent, type EventLog, EventListeners, JsonEvent, type ReplayWindow, type StoredEvent } from '../../stream/index.js'
import { FLOAT_SCALE, decodeMetricsScaled } from '../codec.js'
import type { StoreEventLogOptions, WriteOutcome } from '../ports.js'
import type { MetricNames } from './metric-names.js'
import { readJournal } from './rollup-journal.js'
import type { EventRow } from './write-core.js'
import type { Writer } from './writer.js'

/** Event rows deleted per background step, so that a step never holds the write lock for long. */
const TRIM_STEP_ROWS = 2000
const DEFAULT_TRIM_INTERVAL_MS = 10_000

/** A place in the delivery order, taken when a write is handed to the writer. */
export interface EventSlot {
  /** The batch was stored: its new reports' telemetry events start at `firstEventId`. */
  telemetry(reports: readonly Report[], outcomes: readonly WriteOutcome[], firstEventId: number): void
  /** The write failed: it took no ids. */
  failed(): void
}

/**
 * A telemetry event read back from the log: built as the whole message the stream sends, as
 * UTF-8 bytes, with `data` a part of it (read it, do not spread the event).
 */
class TelemetryMessage implements StoredEvent {
  readonly topic = 'telemetry'
  constructor(
    readonly id: number,
    readonly cameraId: string,
    readonly siteId: string,
    readonly ts: number,
    readonly messageBytes: Buffer,
    /** Where `data` starts in messageBytes; it ends before the last `}`. */
    private readonly dataAt: number,
  ) {}

  get messageJson(): string {
    return this.messageBytes.toString('utf8')
  }

  get dataJson(): string {
    return this.messageBytes.toString('utf8', this.dataAt, this.messageBytes.length - 1)
  }

  get data(): unknown {
    return JSON.parse(this.dataJson)
  }
}

/** A camera as telemetry events name it, with its id and site as JSON for the message. */
interface CameraEntry {
  id: string
  siteId: string
  /** `,"cameraId":…,"siteId":…,"ts":"` as UTF-8 */
  bytes: Buffer
}

interface Slot {
  /** undefined while the write is under way; null when it stored no events. */
  events: readonly StoredEvent[] | null | undefined
}

/** A telemetry row's refs: for each of its `n` events, its report's camera number, ts and seq. */
interface DecodedRefs {
  first: number
  n: number
  cams: number[]
  ts: number[]
  seqs: number[]
}

/** Chunk sizes of the report lookups, largest first: a chunk is padded to the next size up. */
const LOOKUP_SIZES = [256, 64, 16, 4, 1]

/**
 * The data of the reports named by `size` keys (camera, ts, seq bound in turn), in one row: the
 * places (0-based) of the keys found and their data's lengths, as comma-separated text in the
 * same order, then all their data as one blob. NULLs when none is found. The blobs are joined as
 * text and cast back, which keeps their bytes as they are (SQLite reads a blob cast to text as
 * UTF-8 without checking it, and group_concat counts bytes, not characters); it costs a third
 * less than joining them as hex and decoding that.
 */
function reportChunkSql(size: number): string {
  const keys = Array.from({ length: size }, (_, i) => `(${i},?,?,?)`).join(',')
  return (
    `WITH k(i, cam, ts, seq) AS (VALUES ${keys}) ` +
    "SELECT group_concat(k.i), group_concat(length(r.data)), CAST(group_concat(CAST(r.data AS TEXT), '') AS BLOB) " +
    'FROM k JOIN reports r ON r.cam = k.cam AND r.ts = k.ts AND r.seq = k.seq'
  )
}

/** Calls `each` with every non-negative integer of a comma-separated list, in order. */
function forEachNumber(list: string, each: (n: number, k: number) => void): void {
  let n = 0
  let k = 0
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i)
    if (c === 0x2c) {
      each(n, k++)
      n = 0
    } else n = n * 10 + (c - 0x30)
  }
  if (list.length > 0) each(n, k)
}

/** Bytes of the database file a reader maps into memory, at most (address space, not memory). */
const READER_MMAP_BYTES = 4 * 1024 ** 3

function openReader(file: string): Database {
  const reader = new DatabaseConstructor(file, { readonly: true, fileMustExist: true })
  reader.pragma('busy_timeout = 5000')
  reader.pragma(`mmap_size = ${READER_MMAP_BYTES}`)
  return reader
}

type EventRowRead = [id: number, n: number, topic: StoredEvent['topic'], cameraId: string | null, siteId: string | null, ts: number | null, data: string | null, refs: Buffer | null]

/**
 * The event log in the data folder (schema-events.ts), the server's embedded EventLog. Ids are
 * handed out by the writer (write-core.ts) in the order writes are called, and telemetry events
 * commit in the same transaction as their reports: `SqliteTelemetry.writeReports` records them
 * through `reserve()`, so nothing else appends them. Subscribers get each committed write's
 * events in id order, once; reads go through the main connection and a read-only one of the log's
 * own (`reader`), which both see a commit as soon as the writer has made it, before its answer
 * comes back.
 *
 * Telemetry events are read back from the reports they name: `data` is rebuilt as JSON straight
 * from the stored metric blob, and `siteId` is the camera's site as the registry holds it. A
 * report that is gone (its camera deleted, or past raw retention) leaves a gap in the ids.
 */
export class SqliteEventLog implements EventLog {
  private readonly listeners: EventListeners
  private readonly slots: Slot[] = []
  private closed = false
  /** The window only moves forward, whatever the clock does. */
  private oldestSeen = 1
  private trimming: Promise<void> | undefined
  private readonly trimTimer: NodeJS.Timeout
  /** JSON of each metric name (`"fps"`) in UTF-8, by dictionary id. */
  private readonly keys = new Map<number, Buffer>()
  /** The day (since 1970) of the last data time written, and its `YYYY-MM-DDT`. */
  private isoDay = Number.NaN
  private isoDate = Buffer.alloc(0)
  /** The connection replays read through (the main one for an in-memory database). */
  private readonly reader: Database
  private readonly newestId: Statement
  private readonly firstId: Statement
  private readonly firstAtOrAfter: Statement
  private readonly rowsFrom: Statement
  /** By chunk size (LOOKUP_SIZES): the data of up to that many reports, as `lookUp` reads it. */
  private readonly reportChunks: Map<number, Statement>
  /** The refs of the last telemetry row read (a page usually ends inside a row and the next one goes on in it). */
  private lastRow: DecodedRefs | undefined
  /** Keys of the chunk being looked up: camera, ts, seq for each. */
  private readonly chunkKeys: number[] = []
  /** Where each report of a chunk starts and ends in the lookup's answer (-1: not found). */
  private readonly foundAt = new Int32Array(LOOKUP_SIZES[0] as number)
  private readonly foundEnd = new Int32Array(LOOKUP_SIZES[0] as number)
  /** The places of a lookup's reports in the order its answer lists them. */
  private readonly foundOrder = new Int32Array(LOOKUP_SIZES[0] as number)
  private readonly cameraByNum: Statement
  private readonly changes: Statement
  /**
   * Cameras by number, valid while this connection has made no change since they were read
   * (a camera's site or its deletion is a change of the registry, on this connection).
   */
  private cameras = new Map<number, CameraEntry | null>()
  /** Sites by camera id, for live telemetry events; valid as `cameras`. */
  private sites = new Map<string, string | null>()
  private cachesAsOf = -1
  private readonly siteOfCamera: Statement

  constructor(
    private readonly db: Database,
    private readonly names: MetricNames,
    private readonly writer: Writer,
    private readonly o: StoreEventLogOptions & { trimIntervalMs?: number },
  ) {
    if (!(o.maxEvents >= 1) || !(o.maxAgeMs > 0)) throw new RangeError('maxEvents must be at least 1 and maxAgeMs positive')
    this.listeners = new EventListeners(o.onListenerError)
    // Replays read through a connection of their own that maps the file into memory: a replay
    // touches reports all over the table, and through the page cache (64 MiB, shared with
    // everything else on the main connection) each lookup was a read of the file. It sees every
    // commit as soon as it is made, like the main connection (WAL).
    this.reader = db.memory ? db : openReader(db.name)
    this.newestId = db.prepare('SELECT id + n - 1 FROM events ORDER BY id DESC LIMIT 1').pluck()
    this.firstId = db.prepare('SELECT id FROM events ORDER BY id LIMIT 1').pluck()
    this.firstAtOrAfter = db.prepare('SELECT id FROM events WHERE at >= ? ORDER BY at, id LIMIT 1').pluck()
    // From the row that holds id ? on.
    this.rowsFrom = this.reader
      .prepare('SELECT id, n, topic, camera_id, site_id, ts, data, refs FROM events WHERE id >= coalesce((SELECT max(id) FROM events WHERE id <= ?), 0) ORDER BY id')
      .raw()
    // The reports a page names lie all over the table, so each is a lookup of its own; but one
    // statement finds a chunk of them and hands back their data as one blob (see `lookUp`):
    // SQLite's own lookups are cheap, a row handed to JavaScript is not.
    this.reportChunks = new Map(LOOKUP_SIZES.map((size) => [size, this.reader.prepare(reportChunkSql(size)).raw()]))
    this.cameraByNum = this.reader.prepare('SELECT id, site_id FROM cameras WHERE num = ?').raw()
    // Rows this connection has changed: the registry writes on it, the writer thread does not.
    this.changes = db.prepare('SELECT total_changes()').pluck()
    this.siteOfCamera = db.prepare('SELECT site_id FROM cameras WHERE id = ?').pluck()
    this.trimTimer = setInterval(() => void this.trim(), o.trimIntervalMs ?? DEFAULT_TRIM_INTERVAL_MS)
    this.trimTimer.unref()
  }

  // Nothing is awaited before the writer has the rows: appends that do not wait for each other
  // still get ids in call order.
  async append(events: readonly DomainEvent[]): Promise<StoredEvent[]> {
    if (this.closed) throw new Error('the event log is closed')
    if (events.length === 0) return []
    // Serialised here, once: later changes to the producer's objects do not reach the log.
    const rows: EventRow[] = events.map((e) => [e.topic, e.cameraId, e.siteId, e.ts, JSON.stringify(e.data ?? null)])
    const slot = this.take()
    let first: number
    try {
      first = await this.writer.appendEvents(rows, this.o.clock.now())
    } catch (err) {
      this.settle(slot, null)
      throw err
    }
    const stored = rows.map(([topic, cameraId, siteId, ts, json], i) => new JsonEvent(first + i, topic as StoredEvent['topic'], cameraId, siteId, ts, json))
    this.settle(slot, stored)
    return stored.slice()
  }

  /**
   * For the telemetry store: a place in the delivery order for a write about to go to the
   * writer, or undefined once the log is closed (the write then records no events).
   */
  reserve(): EventSlot | undefined {
    if (this.closed) return undefined
    const slot = this.take()
    return {
      telemetry: (reports, outcomes, firstEventId) => {
        try {
          this.settle(slot, this.liveTelemetry(reports, outcomes, firstEventId))
        } catch (err) {
          // The batch is stored either way; consoles find its events in the log.
          this.settle(slot, null)
          this.o.onListenerError?.(err)
        }
      },
      failed: () => this.settle(slot, null),
    }
  }

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    if (this.closed) throw new Error('the event log is closed')
    const { oldest, newest } = this.currentWindow()
    const from = Math.max(Math.floor(after) + 1, oldest)
    const out: StoredEvent[] = []
    if (limit < 1 || from > newest) return out
    const max = Math.floor(limit)
    this.validateCaches()
    // A short page means the end of the log (the stream relies on it): rows are read until the
    // page is full, past events whose report is gone.
    for (const row of this.rowsFrom.iterate(from) as IterableIterator<EventRowRead>) {
      const [id, , topic, cameraId, siteId, ts, data, refs] = row
      if (refs === null) {
        if (id >= from) out.push(new JsonEvent(id, topic, cameraId, siteId, ts ?? Number.NaN, data ?? 'null'))
      } else {
        this.readTelemetry(id, refs, Math.max(0, from - id), max, out)
      }
      if (out.length >= max) break
    }
    return out
  }

  async window(): Promise<ReplayWindow> {
    if (this.closed) throw new Error('the event log is closed')
    return this.currentWindow()
  }

  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.listeners.add(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    this.listeners.clear()
    clearInterval(this.trimTimer)
    await this.trimming
    if (this.reader !== this.db && this.reader.open) this.reader.close()
  }

  /**
   * Deletes the rows that left the window, a bounded step at a time through the writer, as
   * background work: ingest goes first. Runs every `trimIntervalMs`; exposed for tests.
   */
  trim(): Promise<void> {
    this.trimming ??= (async () => {
      try {
        while (!this.closed) {
          const { oldest } = this.currentWindow()
          if ((await this.writer.trimEvents(oldest, TRIM_STEP_ROWS)) < TRIM_STEP_ROWS) break
        }
      } catch {
        // The store is closing, or the writer failed and says so to every write; the next round retries.
      } finally {
        this.trimming = undefined
      }
    })()
    return this.trimming
  }

  private currentWindow(): ReplayWindow {
    const newest = (this.newestId.get() as number | undefined) ?? 0
    let oldest = Math.max(this.oldestSeen, newest - this.o.maxEvents + 1)
    const first = this.firstId.get() as number | undefined
    if (first !== undefined) oldest = Math.max(oldest, first)
    const young = this.firstAtOrAfter.get(this.o.clock.now() - this.o.maxAgeMs) as number | undefined
    oldest = Math.max(oldest, young ?? newest + 1)
    this.oldestSeen = oldest
    return { oldest, newest }
  }

  /** The events of a row of telemetry events that starts at id `first`, from its `skip`th on, until `out` holds `max`. */
  private readTelemetry(first: number, refs: Buffer, skip: number, max: number, out: StoredEvent[]): void {
    const row = this.decodedRow(first, refs)
    let k = skip
    // A chunk at a time, as many as the page still lacks: events whose report is gone do not count.
    while (k < row.n && out.length < max) {
      const end = Math.min(row.n, k + Math.min(max - out.length, LOOKUP_SIZES[0] as number))
      const keys = this.chunkKeys
      keys.length = 0
      for (let i = k; i < end; i++) {
        // Deleted with its camera: the event is gone with it (see below for its report).
        if (this.camera(row.cams[i] as number) === null) continue
        keys.push(i, row.cams[i] as number, row.ts[i] as number, row.seqs[i] as number)
      }
      if (keys.length > 0) this.lookUp(keys, (i, blob, start, stop) => {
        const camera = this.camera(row.cams[i] as number) as CameraEntry
        out.push(this.telemetryMessage(first + i, camera, row.ts[i] as number, row.seqs[i] as number, blob, start, stop))
      })
      k = end
    }
  }

  /** The refs blob of the row at `first`, decoded (rows do not change once written: ids are never reused). */
  private decodedRow(first: number, refs: Buffer): DecodedRefs {
    if (this.lastRow?.first === first) return this.lastRow
    const cams: number[] = []
    const ts: number[] = []
    const seqs: number[] = []
    readJournal(refs, (cam, t, seq) => {
      cams.push(cam)
      ts.push(t)
      seqs.push(seq)
    })
    this.lastRow = { first, n: cams.length, cams, ts, seqs }
    return this.lastRow
  }

  /**
   * Looks up reports by key, `keys` holding (tag, camera, ts, seq) for each, and visits those
   * found, in the order given, with their metric blob as `blob[start, end)`. A report that is gone
   * (raw retention) is skipped.
   */
  private lookUp(keys: readonly number[], visit: (tag: number, blob: Buffer, start: number, end: number) => void): void {
    const count = keys.length / 4
    for (let from = 0; from < count; ) {
      const left = count - from
      // The smallest prepared size that holds what is left, else the largest; the rest is padding
      // with a key no report has (camera numbers start at 1).
      let size = LOOKUP_SIZES[0] as number
      for (const s of LOOKUP_SIZES) if (s >= left) size = s
      const take = Math.min(size, left)
      const params: number[] = []
      for (let i = 0; i < size; i++) {
        if (i < take) {
          const at = 4 * (from + i)
          params.push(keys[at + 1] as number, keys[at + 2] as number, keys[at + 3] as number)
        } else params.push(-1, 0, 0)
      }
      const [places, lengths, blob] = (this.reportChunks.get(size) as Statement).get(params) as [string | null, string | null, Buffer | null]
      if (places !== null && lengths !== null && blob !== null) {
        // The reports found, in the order SQLite found them: their places in the chunk and their
        // lengths, their data one after the other. Visited by place.
        const { foundAt, foundEnd, foundOrder } = this
        foundAt.fill(-1, 0, take)
        forEachNumber(places, (i, k) => (foundOrder[k] = i))
        let pos = 0
        forEachNumber(lengths, (len, k) => {
          const i = foundOrder[k] as number
          foundAt[i] = pos
          foundEnd[i] = pos + len
          pos += len
        })
        if (pos !== blob.length) throw new Error(`report lookup: ${blob.length} bytes of data for ${pos} listed`)
        for (let i = 0; i < take; i++) {
          const at = foundAt[i] as number
          if (at >= 0) visit(keys[4 * (from + i)] as number, blob, at, foundEnd[i] as number)
        }
      }
      from += take
    }
  }

  private validateCaches(): void {
    const changes = this.changes.get() as number
    if (changes === this.cachesAsOf) return
    this.cameras = new Map()
    this.sites = new Map()
    this.cachesAsOf = changes
  }

  private currentSites(): Map<string, string | null> {
    this.validateCaches()
    return this.sites
  }

  private camera(num: number): CameraEntry | null {
    let entry = this.cameras.get(num)
    if (entry === undefined) {
      const row = this.cameraByNum.get(num) as [string, string] | undefined
      if (row) {
        const json = `,"cameraId":${JSON.stringify(row[0])},"siteId":${JSON.stringify(row[1])},"ts":"`
        entry = { id: row[0], siteId: row[1], bytes: Buffer.from(json) }
      } else entry = null
      this.cameras.set(num, entry)
    }
    return entry
  }

  /**
   * The message the stream sends (tick.ts `eventJson`), with `data` `{seq, ts, metrics}` as the
   * pipeline makes it, written as bytes straight from the stored blob into the arena and kept
   * there as bytes: no objects, and no strings, per event.
   */
  private telemetryMessage(id: number, camera: CameraEntry, ts: number, seq: number, blob: Buffer, start: number, end: number): TelemetryMessage {
    // Generous for everything but the metrics, which check as they go (an ISO time is at most 27).
    let base = room(arenaUsed, arenaUsed, 220 + camera.bytes.length)
    let buf = arena
    buf.set(EVENT_HEAD, base)
    let pos = base + EVENT_HEAD.length
    pos = writeInteger(buf, pos, id)
    buf.set(TOPIC_TELEMETRY, pos)
    pos += TOPIC_TELEMETRY.length
    buf.set(camera.bytes, pos)
    pos += camera.bytes.length
    const isoAt = pos
    pos = this.writeIso(buf, pos, ts)
    const isoEnd = pos
    buf.set(DATA_SEQ, pos)
    pos += DATA_SEQ.length
    const dataAt = pos - DATA_SEQ.length + DATA_AT_IN_DATA_SEQ - base
    pos = seq < 0 ? pos + buf.write('null', pos, 'latin1') : writeInteger(buf, pos, seq)
    buf.set(DATA_TS, pos)
    pos += DATA_TS.length
    buf.copyWithin(pos, isoAt, isoEnd)
    pos += isoEnd - isoAt
    buf.set(DATA_METRICS, pos)
    pos += DATA_METRICS.length
    let first = true
    decodeMetricsScaled(blob, start, end, (metric, scale, n, value) => {
      const key = this.keyOf(metric)
      if (key === undefined) return
      if (pos + key.length + 32 > buf.length) {
        const moved = room(base, pos, key.length + 32)
        pos -= base - moved
        base = moved
        buf = arena
      }
      if (!first) buf[pos++] = COMMA
      first = false
      buf.set(key, pos)
      pos += key.length
      buf[pos++] = COLON
      pos = scale === FLOAT_SCALE ? pos + buf.write(`${value}`, pos, 'latin1') : writeDecimal(buf, pos, n, scale)
    })
    const moved = room(base, pos, 4)
    pos -= base - moved
    base = moved
    buf = arena
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    // A comma after each message, outside it: messages read one after the other lie in the arena
    // as a JSON array's insides, and a frame copies such a run at once (see encodeParts).
    buf[pos] = COMMA
    arenaUsed = pos + 1
    return new TelemetryMessage(id, camera.id, camera.siteId, ts, buf.subarray(base, pos), dataAt)
  }

  /**
   * Writes `new Date(ts).toISOString()` at `pos`; answers where it ends. The date part is kept
   * per day and the time written digit by digit: a Date and a string per event cost more than
   * the rest of the event.
   */
  private writeIso(buf: Buffer, pos: number, ts: number): number {
    if (!(Number.isInteger(ts) && ts >= 0 && ts < LAST_4_DIGIT_YEAR_MS)) return pos + buf.write(new Date(ts).toISOString(), pos, 'latin1')
    const day = Math.floor(ts / DAY_MS)
    if (day !== this.isoDay) {
      this.isoDay = day
      // `YYYY-MM-DDT`
      this.isoDate = Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, 11), 'latin1')
    }
    buf.set(this.isoDate, pos)
    let p = pos + this.isoDate.length
    let ms = ts - day * DAY_MS
    const hours = Math.floor(ms / 3_600_000)
    ms -= hours * 3_600_000
    const minutes = Math.floor(ms / 60_000)
    ms -= minutes * 60_000
    const seconds = Math.floor(ms / 1000)
    ms -= seconds * 1000
    p = twoDigits(buf, p, hours)
    buf[p++] = 0x3a
    p = twoDigits(buf, p, minutes)
    buf[p++] = 0x3a
    p = twoDigits(buf, p, seconds)
    buf[p++] = DOT
    buf[p++] = ZERO + Math.floor(ms / 100)
    p = twoDigits(buf, p, ms % 100)
    buf[p++] = 0x5a
    return p
  }

  /** A metric's name as JSON (`"fps"`) in UTF-8, by dictionary id. */
  private keyOf(metric: number): Buffer | undefined {
    let key = this.keys.get(metric)
    if (key === undefined) {
      const name = this.names.nameOf(metric)
      if (name === undefined) return undefined
      key = Buffer.from(JSON.stringify(name))
      this.keys.set(metric, key)
    }
    return key
  }

  /** The events of a batch just stored, from the reports in hand (no read back). */
  private liveTelemetry(reports: readonly Report[], outcomes: readonly WriteOutcome[], firstEventId: number): StoredEvent[] | null {
    if (firstEventId === 0) return null
    const sites = this.currentSites()
    const events: StoredEvent[] = []
    let id = firstEventId
    reports.forEach((r, i) => {
      if ((outcomes[i] as WriteOutcome).duplicate) return
      let siteId = sites.get(r.cameraId)
      if (siteId === undefined) {
        siteId = (this.siteOfCamera.get(r.cameraId) as string | undefined) ?? null
        sites.set(r.cameraId, siteId)
      }
      events.push({ id: id++, topic: 'telemetry', cameraId: r.cameraId, siteId, ts: r.ts, data: { seq: r.seq ?? null, ts: new Date(r.ts).toISOString(), metrics: r.metrics } })
    })
    return events
  }

  private take(): Slot {
    const slot: Slot = { events: undefined }
    this.slots.push(slot)
    return slot
  }

  /** Delivers settled writes from the front of the order: ids reach subscribers in order, each once. */
  private settle(slot: Slot, events: readonly StoredEvent[] | null): void {
    slot.events = events
    while (this.slots.length > 0 && (this.slots[0] as Slot).events !== undefined) {
      const done = (this.slots.shift() as Slot).events
      if (done && done.length > 0 && !this.closed) this.listeners.deliver(done)
    }
  }

}

const EVENT_HEAD = Buffer.from('{"type":"event","id":')
const TOPIC_TELEMETRY = Buffer.from(',"topic":"telemetry"')
const DATA_SEQ = Buffer.from('","data":{"seq":')
/** Where `data` starts in DATA_SEQ. */
const DATA_AT_IN_DATA_SEQ = '","data":'.length
const DATA_TS = Buffer.from(',"ts":"')
const DATA_METRICS = Buffer.from('","metrics":{')
const COMMA = 0x2c
const COLON = 0x3a
const CLOSE = 0x7d
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30

const DAY_MS = 86_400_000
/** From 10000-01-01 on, toISOString writes a six-digit year with a sign. */
const LAST_4_DIGIT_YEAR_MS = 253_402_300_800_000

function twoDigits(buf: Buffer, pos: number, n: number): number {
  buf[pos] = ZERO + Math.floor(n / 10)
  buf[pos + 1] = ZERO + (n % 10)
  return pos + 2
}

/**
 * Where telemetry messages are written and kept: one after the other in a buffer, each message
 * a slice of it, rather than a buffer (or a string) each. A replay page's messages go to the
 * socket as these bytes (send-queue.ts), never decoded into strings and encoded back. Single-
 * threaded: one message is written at a time.
 */
let arena = Buffer.allocUnsafe(0)
let arenaUsed = 0
const ARENA_BYTES = 1024 * 1024

/**
 * Makes room for `more` bytes at `pos` for the message being written from `base`: when the
 * arena is full, the message so far moves to the start of a new one. Answers where the message
 * now begins (`base`, or 0 in a new arena).
 */
function room(base: number, pos: number, more: number): number {
  if (pos + more <= arena.length) return base
  const next = Buffer.allocUnsafe(Math.max(ARENA_BYTES, 2 * (pos - base + more)))
  arena.copy(next, 0, base, pos)
  arena = next
  arenaUsed = 0
  return 0
}

/** Writes a non-negative safe integer's digits at `pos`; answers where they end. */
function writeInteger(buf: Buffer, pos: number, n: number): number {
  return writeDecimal(buf, pos, n, 0)
}

/**
 * Writes the JSON (and JavaScript) form of n / 10^scale at `pos` (room for 24 bytes), from the
 * stored integer rather than by formatting the double: the codec keeps a value this way only
 * when it is exactly that short decimal (|n| < 2^52, scale ≤ 5), whose shortest round-trip form
 * is these very digits. Answers where it ends.
 */
function writeDecimal(buf: Buffer, pos: number, n: number, scale: number): number {
  let v = n
  if (v < 0) {
    buf[pos++] = MINUS
    v = -v
  }
  if (v < 0x80000000) return writeSmallDecimal(buf, pos, v, scale)
  let digits = 1
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++
  const width = Math.max(digits, scale + 1)
  const end = pos + width + (scale > 0 ? 1 : 0)
  let p = end - 1
  for (let i = 0; i < width; i++) {
    if (scale > 0 && i === scale) buf[p--] = DOT
    buf[p--] = ZERO + (v % 10)
    v = Math.floor(v / 10)
  }
  return end
}

/** writeDecimal for 0 <= v < 2^31, in integer arithmetic (most metric values and ids). */
function writeSmallDecimal(buf: Buffer, pos: number, v: number, scale: number): number {
  let digits = 1
  for (let t = v; t >= 10; t = (t / 10) | 0) digits++
  const width = digits > scale ? digits : scale + 1
  const end = pos + width + (scale > 0 ? 1 : 0)
  let p = end - 1
  for (let i = 0; i < width; i++) {
    if (scale > 0 && i === scale) buf[p--] = DOT
    const q = (v / 10) | 0
    buf[p--] = ZERO + v - q * 10
    v = q
  }
  return end
}
