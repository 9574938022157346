import type { Database, Statement } from 'better-sqlite3'
import type { Report } from '../../protocol/report.js'
import { type DomainEvent, type EventLog, JsonEvent, type ReplayWindow, type StoredEvent } from '../../stream/index.js'
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
 * A telemetry event read back from the log: built as the whole message the stream sends, with
 * `data` a part of it (read it, do not spread the event).
 */
class TelemetryMessage implements StoredEvent {
  readonly topic = 'telemetry'
  constructor(
    readonly id: number,
    readonly cameraId: string,
    readonly siteId: string,
    readonly ts: number,
    readonly messageJson: string,
    /** Where `data` starts in messageJson; it ends before the last `}`. */
    private readonly dataAt: number,
  ) {}

  get dataJson(): string {
    return this.messageJson.slice(this.dataAt, -1)
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
  /** How many more bytes than characters `bytes` has (non-ASCII ids). */
  extraBytes: number
}

interface Slot {
  /** undefined while the write is under way; null when it stored no events. */
  events: readonly StoredEvent[] | null | undefined
}

type EventRowRead = [id: number, n: number, topic: StoredEvent['topic'], cameraId: string | null, siteId: string | null, ts: number | null, data: string | null, refs: Buffer | null]

/**
 * The event log in the data folder (schema-events.ts), the server's embedded EventLog. Ids are
 * handed out by the writer (write-core.ts) in the order writes are called, and telemetry events
 * commit in the same transaction as their reports: `SqliteTelemetry.writeReports` records them
 * through `reserve()`, so nothing else appends them. Subscribers get each committed write's
 * events in id order, once; reads go through this (the main) connection, which sees a commit as
 * soon as the writer has made it, before its answer comes back.
 *
 * Telemetry events are read back from the reports they name: `data` is rebuilt as JSON straight
 * from the stored metric blob, and `siteId` is the camera's site as the registry holds it. A
 * report that is gone (its camera deleted, or past raw retention) leaves a gap in the ids.
 */
export class SqliteEventLog implements EventLog {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>()
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
  private readonly newestId: Statement
  private readonly firstId: Statement
  private readonly firstAtOrAfter: Statement
  private readonly rowsFrom: Statement
  private readonly reportData: Statement
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
    db: Database,
    private readonly names: MetricNames,
    private readonly writer: Writer,
    private readonly o: StoreEventLogOptions & { trimIntervalMs?: number },
  ) {
    if (!(o.maxEvents >= 1) || !(o.maxAgeMs > 0)) throw new RangeError('maxEvents must be at least 1 and maxAgeMs positive')
    this.newestId = db.prepare('SELECT id + n - 1 FROM events ORDER BY id DESC LIMIT 1').pluck()
    this.firstId = db.prepare('SELECT id FROM events ORDER BY id LIMIT 1').pluck()
    this.firstAtOrAfter = db.prepare('SELECT id FROM events WHERE at >= ? ORDER BY at, id LIMIT 1').pluck()
    // From the row that holds id ? on.
    this.rowsFrom = db
      .prepare('SELECT id, n, topic, camera_id, site_id, ts, data, refs FROM events WHERE id >= coalesce((SELECT max(id) FROM events WHERE id <= ?), 0) ORDER BY id')
      .raw()
    // (One statement for a page or for 256 reports, over json_each of the refs or a list of bound
    // values, measured no faster: the reports a page names lie all over the table.)
    this.reportData = db.prepare('SELECT data FROM reports WHERE cam = ? AND ts = ? AND seq = ?').pluck()
    this.cameraByNum = db.prepare('SELECT id, site_id FROM cameras WHERE num = ?').raw()
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
    // A function of its own per subscription, so that subscribing one function twice is two.
    const wrapped = (events: readonly StoredEvent[]) => listener(events)
    this.listeners.add(wrapped)
    return () => void this.listeners.delete(wrapped)
  }

  async close(): Promise<void> {
    this.closed = true
    this.listeners.clear()
    clearInterval(this.trimTimer)
    await this.trimming
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
    let k = 0
    readJournal(refs, (cam, ts, seq) => {
      if (k >= skip && out.length < max) {
        const camera = this.camera(cam)
        const blob = camera && (this.reportData.get(cam, ts, seq) as Buffer | undefined)
        // Deleted with its camera, or by raw retention: the event is gone with its report.
        if (camera && blob) out.push(this.telemetryMessage(first + k, camera, ts, seq, blob))
      }
      k++
    })
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
        const bytes = Buffer.from(json)
        entry = { id: row[0], siteId: row[1], bytes, extraBytes: bytes.length - json.length }
      } else entry = null
      this.cameras.set(num, entry)
    }
    return entry
  }

  /**
   * The message the stream sends (tick.ts `eventJson`), with `data` `{seq, ts, metrics}` as the
   * pipeline makes it, written as bytes straight from the stored blob into one scratch buffer
   * and read back as one flat string: no objects, and no chain of partial strings, per event.
   */
  private telemetryMessage(id: number, camera: CameraEntry, ts: number, seq: number, blob: Buffer): TelemetryMessage {
    // Generous for everything but the metrics, which check as they go (an ISO time is at most 27).
    let buf = reserve(0, 220 + camera.bytes.length)
    buf.set(EVENT_HEAD, 0)
    let pos = EVENT_HEAD.length
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
    // Characters before `data`: the bytes, less the extra ones of a non-ASCII camera or site id.
    const dataAt = pos - DATA_SEQ.length + DATA_AT_IN_DATA_SEQ - camera.extraBytes
    pos = seq < 0 ? pos + buf.write('null', pos, 'latin1') : writeInteger(buf, pos, seq)
    buf.set(DATA_TS, pos)
    pos += DATA_TS.length
    buf.copyWithin(pos, isoAt, isoEnd)
    pos += isoEnd - isoAt
    buf.set(DATA_METRICS, pos)
    pos += DATA_METRICS.length
    let first = true
    decodeMetricsScaled(blob, 0, blob.length, (metric, scale, n, value) => {
      const key = this.keyOf(metric)
      if (key === undefined) return
      buf = reserve(pos, key.length + 32)
      if (!first) buf[pos++] = COMMA
      first = false
      buf.set(key, pos)
      pos += key.length
      buf[pos++] = COLON
      pos = scale === FLOAT_SCALE ? pos + buf.write(`${value}`, pos, 'latin1') : writeDecimal(buf, pos, n, scale)
    })
    buf = reserve(pos, 3)
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    return new TelemetryMessage(id, camera.id, camera.siteId, ts, buf.toString('utf8', 0, pos), dataAt)
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
      if (done && done.length > 0 && !this.closed) this.deliver(done)
    }
  }

  private deliver(events: readonly StoredEvent[]): void {
    // A snapshot, so that a listener added while this batch is delivered starts with the next.
    for (const listener of [...this.listeners]) {
      try {
        listener(events)
      } catch (err) {
        this.o.onListenerError?.(err)
      }
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

/** The scratch buffer telemetry messages are written into, one at a time (single-threaded). */
let scratch = Buffer.allocUnsafe(4096)

/** The scratch buffer with room for `more` bytes after `used`, keeping the first `used`. */
function reserve(used: number, more: number): Buffer {
  if (used + more > scratch.length) {
    const bigger = Buffer.allocUnsafe(Math.max(2 * scratch.length, used + more))
    scratch.copy(bigger, 0, 0, used)
    scratch = bigger
  }
  return scratch
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
