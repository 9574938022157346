import DatabaseConstructor, { type Database, type Statement } from 'better-sqlite3'
import { JsonEvent, type StoredEvent } from '../../stream/index.js'
import { FLOAT_SCALE, decodeMetricsScaled } from '../codec.js'
import { readJournal } from './rollup-journal.js'

/**
 * Pages of the event log, read back for replays (event-log.ts). A page is built as plain arrays
 * and byte buffers (`EventPage`), so that it can be read in a thread of its own (replay-thread.ts)
 * and handed over without copying; `eventsOf` makes the stream's events of it.
 */

/** Metric names by dictionary id, as a page needs them. */
export interface MetricNameSource {
  nameOf(id: number): string | undefined
  /** Reads the dictionary again (a reader of its own misses names added since it last read). */
  reload?(): void
}

/**
 * A page of events, oldest first. A telemetry event is its whole message as the stream sends it
 * (tick.ts `eventJson`), as UTF-8 bytes in one of `buffers`, a comma after it; any other event is
 * its fields, next in `json`.
 */
export interface EventPage {
  readonly n: number
  readonly ids: Float64Array
  readonly ts: Float64Array
  /** Per event: its camera's place in `cameras` (telemetry), or -1 (the next of `json`). */
  readonly camera: Int32Array
  /** Per telemetry event: which of `buffers` holds its message, where it starts, ends, and where its `data` starts (from the message's start). */
  readonly buffer: Uint16Array
  readonly start: Int32Array
  readonly end: Int32Array
  readonly dataAt: Int32Array
  readonly buffers: Uint8Array[]
  /** The page's cameras: id and site. */
  readonly cameras: Array<[id: string, siteId: string]>
  readonly json: Array<[topic: StoredEvent['topic'], cameraId: string | null, siteId: string | null, dataJson: string]>
}

/** The memory a page's arrays and buffers own, for handing them to another thread. */
export function transferablesOf(page: EventPage): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  for (const a of [page.ids, page.ts, page.camera, page.buffer, page.start, page.end, page.dataAt, ...page.buffers]) out.add(a.buffer as ArrayBuffer)
  return [...out]
}

/** The stream's events of a page. */
export function eventsOf(page: EventPage): StoredEvent[] {
  const buffers = page.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  const out: StoredEvent[] = new Array(page.n)
  let json = 0
  for (let i = 0; i < page.n; i++) {
    const c = page.camera[i] as number
    if (c < 0) {
      const [topic, cameraId, siteId, dataJson] = page.json[json++] as EventPage['json'][number]
      out[i] = new JsonEvent(page.ids[i] as number, topic, cameraId, siteId, page.ts[i] as number, dataJson)
    } else {
      const [cameraId, siteId] = page.cameras[c] as [string, string]
      const bytes = (buffers[page.buffer[i] as number] as Buffer).subarray(page.start[i], page.end[i])
      out[i] = new TelemetryMessage(page.ids[i] as number, cameraId, siteId, page.ts[i] as number, bytes, page.dataAt[i] as number)
    }
  }
  return out
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

/** A camera as telemetry events name it: its place in the page's cameras, and its id and site as JSON for the message. */
interface CameraEntry {
  id: string
  siteId: string
  /** `,"cameraId":…,"siteId":…,"ts":"` as UTF-8 */
  bytes: Buffer
  /** Its place in the cameras of the page being read (`pageOf` says which page that was). */
  place: number
  pageOf: number
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

/**
 * A read-only connection for replays. It maps the file into memory: a replay touches reports all
 * over the table, and through a page cache each lookup was a read of the file. It sees every
 * commit as soon as it is made (WAL).
 */
export function openReader(file: string): Database {
  const reader = new DatabaseConstructor(file, { readonly: true, fileMustExist: true })
  reader.pragma('busy_timeout = 5000')
  reader.pragma(`mmap_size = ${READER_MMAP_BYTES}`)
  return reader
}

type EventRowRead = [id: number, n: number, topic: StoredEvent['topic'], cameraId: string | null, siteId: string | null, ts: number | null, data: string | null, refs: Buffer | null]

/** Events a page has room for at first; it grows when asked for more. */
const PAGE_ROOM_MAX = 4096

/** A page being read: its arrays grow as it fills. */
type PageBuilt = { -readonly [K in keyof EventPage]: EventPage[K] }

/** The place of a new event on the page, which grows when full. */
function nextEvent(page: PageBuilt): number {
  if (page.n === page.ids.length) {
    const grown = <T extends Float64Array | Int32Array | Uint16Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(2 * a.length)
      b.set(a)
      return b
    }
    page.ids = grown(page.ids)
    page.ts = grown(page.ts)
    page.camera = grown(page.camera)
    page.buffer = grown(page.buffer)
    page.start = grown(page.start)
    page.end = grown(page.end)
    page.dataAt = grown(page.dataAt)
  }
  return page.n++
}

/** Bytes of a new buffer for messages, at least (without `ownBuffers`). */
const ARENA_BYTES = 1024 * 1024
/** Bytes of a page's first buffer with `ownBuffers`, at least: it is sized for the page. */
const PAGE_BYTES_MIN = 16 * 1024

/**
 * Reads pages of the log through one connection. Telemetry events are read back from the reports
 * they name: `data` is rebuilt as JSON straight from the stored metric blob, and `siteId` is the
 * camera's site as the registry holds it. A report that is gone (its camera deleted, or past raw
 * retention) leaves a gap in the ids.
 *
 * Messages are written one after the other into a buffer (the arena), each a slice of it, rather
 * than a buffer or a string each, a comma after each: messages read one after the other lie there
 * as a JSON array's insides, and a frame copies such a run at once (send-queue.ts encodeParts).
 * With `ownBuffers`, every page starts a buffer of its own, which can be handed to another thread.
 */
export class EventPageReader {
  private readonly rowsFrom: Statement
  /** By chunk size (LOOKUP_SIZES): the data of up to that many reports, as `lookUp` reads it. */
  private readonly reportChunks: Map<number, Statement>
  private readonly cameraByNum: Statement
  /** The refs of the last telemetry row read (a page usually ends inside a row and the next one goes on in it). */
  private lastRow: DecodedRefs | undefined
  /** Keys of the chunk being looked up: camera, ts, seq for each. */
  private readonly chunkKeys: number[] = []
  /** Where each report of a chunk starts and ends in the lookup's answer (-1: not found). */
  private readonly foundAt = new Int32Array(LOOKUP_SIZES[0] as number)
  private readonly foundEnd = new Int32Array(LOOKUP_SIZES[0] as number)
  /** The places of a lookup's reports in the order its answer lists them. */
  private readonly foundOrder = new Int32Array(LOOKUP_SIZES[0] as number)
  /** Cameras by number, as of `camerasAsOf` (see `read`). */
  private cameras = new Map<number, CameraEntry | null>()
  private camerasAsOf = Number.NaN
  /** JSON of each metric name (`"fps"`) in UTF-8, by dictionary id. */
  private readonly keys = new Map<number, Buffer>()
  /** The day (since 1970) of the last data time written, and its `YYYY-MM-DDT`. */
  private isoDay = Number.NaN
  private isoDate = Buffer.alloc(0)
  private arena = Buffer.allocUnsafe(0)
  private arenaUsed = 0
  /** The page being read: its number, its buffers, its cameras. */
  private pageNo = 0
  private pageBuffers: Buffer[] = []
  private pageCameras: EventPage['cameras'] = []
  private namesReloaded = false
  /** Bytes of the last page's messages per event, to size the next page's buffer (`ownBuffers`). */
  private bytesPerEvent = 0
  /** Bytes of the next buffer the arena takes, at least. */
  private arenaBytes = ARENA_BYTES

  constructor(
    db: Database,
    private readonly names: MetricNameSource,
    private readonly ownBuffers: boolean,
  ) {
    // From the row that holds id ? on.
    this.rowsFrom = db
      .prepare('SELECT id, n, topic, camera_id, site_id, ts, data, refs FROM events WHERE id >= coalesce((SELECT max(id) FROM events WHERE id <= ?), 0) ORDER BY id')
      .raw()
    // The reports a page names lie all over the table, so each is a lookup of its own; but one
    // statement finds a chunk of them and hands back their data as one blob (see `lookUp`):
    // SQLite's own lookups are cheap, a row handed to JavaScript is not.
    this.reportChunks = new Map(LOOKUP_SIZES.map((size) => [size, db.prepare(reportChunkSql(size)).raw()]))
    this.cameraByNum = db.prepare('SELECT id, site_id FROM cameras WHERE num = ?').raw()
  }

  /**
   * Up to `max` events from id `from` on; short only at the end of the log (events whose report
   * is gone do not count). `camerasAsOf` stands for the state of the camera registry: the reader
   * reads cameras again whenever it changes.
   */
  read(from: number, max: number, camerasAsOf: number): EventPage {
    if (camerasAsOf !== this.camerasAsOf) {
      this.cameras = new Map()
      this.camerasAsOf = camerasAsOf
    }
    this.pageNo++
    this.pageCameras = []
    this.namesReloaded = false
    if (this.ownBuffers) {
      // A buffer for this page only, as large as the last page's messages needed: pages of a
      // million-event replay are handed over by the hundred, and memory they hold but do not use
      // makes the receiver's garbage collector run for nothing.
      this.arena = Buffer.allocUnsafe(0)
      this.arenaUsed = 0
      this.arenaBytes = this.bytesPerEvent > 0 ? Math.max(PAGE_BYTES_MIN, Math.ceil(this.bytesPerEvent * max * 1.05)) : ARENA_BYTES
    }
    this.pageBuffers = this.arena.length > 0 ? [this.arena] : []
    // Room for the page as asked, up to a bound: a caller may ask for more than the log holds.
    const room = Math.min(max, PAGE_ROOM_MAX)
    const page: PageBuilt = {
      n: 0,
      ids: new Float64Array(room),
      ts: new Float64Array(room),
      camera: new Int32Array(room),
      buffer: new Uint16Array(room),
      start: new Int32Array(room),
      end: new Int32Array(room),
      dataAt: new Int32Array(room),
      buffers: this.pageBuffers,
      cameras: this.pageCameras,
      json: [],
    }
    for (const row of this.rowsFrom.iterate(from) as IterableIterator<EventRowRead>) {
      const [id, , topic, cameraId, siteId, ts, data, refs] = row
      if (refs === null) {
        if (id >= from) {
          const i = nextEvent(page)
          page.ids[i] = id
          page.ts[i] = ts ?? Number.NaN
          page.camera[i] = -1
          page.json.push([topic, cameraId, siteId, data ?? 'null'])
        }
      } else {
        this.readTelemetry(id, refs, Math.max(0, from - id), max, page)
      }
      if (page.n >= max) break
    }
    if (this.ownBuffers && page.n > 0) {
      const bytes = this.pageBuffers.reduce((sum, b, i) => sum + (i === this.pageBuffers.length - 1 ? this.arenaUsed : b.length), 0)
      this.bytesPerEvent = bytes / page.n
    }
    return page
  }

  /** The events of a row of telemetry events that starts at id `first`, from its `skip`th on, until the page holds `max`. */
  private readTelemetry(first: number, refs: Buffer, skip: number, max: number, page: PageBuilt): void {
    const row = this.decodedRow(first, refs)
    let k = skip
    // A chunk at a time, as many as the page still lacks: events whose report is gone do not count.
    while (k < row.n && page.n < max) {
      const end = Math.min(row.n, k + Math.min(max - page.n, LOOKUP_SIZES[0] as number))
      const keys = this.chunkKeys
      keys.length = 0
      for (let i = k; i < end; i++) {
        // Deleted with its camera: the event is gone with it (see below for its report).
        if (this.camera(row.cams[i] as number) === null) continue
        keys.push(i, row.cams[i] as number, row.ts[i] as number, row.seqs[i] as number)
      }
      if (keys.length > 0) this.lookUp(keys, (i, blob, start, stop) => {
        const camera = this.camera(row.cams[i] as number) as CameraEntry
        this.telemetryMessage(page, first + i, camera, row.ts[i] as number, row.seqs[i] as number, blob, start, stop)
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

  private camera(num: number): CameraEntry | null {
    let entry = this.cameras.get(num)
    if (entry === undefined) {
      const row = this.cameraByNum.get(num) as [string, string] | undefined
      if (row) {
        const json = `,"cameraId":${JSON.stringify(row[0])},"siteId":${JSON.stringify(row[1])},"ts":"`
        entry = { id: row[0], siteId: row[1], bytes: Buffer.from(json), place: -1, pageOf: 0 }
      } else entry = null
      this.cameras.set(num, entry)
    }
    return entry
  }

  /** The camera's place in the page's cameras, added on its first event of the page. */
  private placeOf(camera: CameraEntry): number {
    if (camera.pageOf !== this.pageNo) {
      camera.pageOf = this.pageNo
      camera.place = this.pageCameras.length
      this.pageCameras.push([camera.id, camera.siteId])
    }
    return camera.place
  }

  /**
   * Adds the message the stream sends (tick.ts `eventJson`), with `data` `{seq, ts, metrics}` as
   * the pipeline makes it, written as bytes straight from the stored blob into the arena: no
   * objects, and no strings, per event.
   */
  private telemetryMessage(page: PageBuilt, id: number, camera: CameraEntry, ts: number, seq: number, blob: Buffer, start: number, end: number): void {
    // Generous for everything but the metrics, which check as they go (an ISO time is at most 27).
    let base = this.room(this.arenaUsed, this.arenaUsed, 220 + camera.bytes.length)
    let buf = this.arena
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
        const moved = this.room(base, pos, key.length + 32)
        pos -= base - moved
        base = moved
        buf = this.arena
      }
      if (!first) buf[pos++] = COMMA
      first = false
      buf.set(key, pos)
      pos += key.length
      buf[pos++] = COLON
      pos = scale === FLOAT_SCALE ? pos + buf.write(`${value}`, pos, 'latin1') : writeDecimal(buf, pos, n, scale)
    })
    const moved = this.room(base, pos, 4)
    pos -= base - moved
    base = moved
    buf = this.arena
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    buf[pos++] = CLOSE
    // A comma after each message, outside it (see the class comment).
    buf[pos] = COMMA
    this.arenaUsed = pos + 1
    const i = nextEvent(page)
    page.ids[i] = id
    page.ts[i] = ts
    page.camera[i] = this.placeOf(camera)
    page.buffer[i] = this.pageBuffers.length - 1
    page.start[i] = base
    page.end[i] = pos
    page.dataAt[i] = dataAt
  }

  /**
   * Makes room for `more` bytes at `pos` for the message being written from `base`: when the
   * arena is full, the message so far moves to the start of a new one. Answers where the message
   * now begins (`base`, or 0 in a new arena).
   */
  private room(base: number, pos: number, more: number): number {
    if (pos + more <= this.arena.length) return base
    // Slow: a buffer of its own, never a slice of Node's shared pool, so it can be handed over.
    const next = Buffer.allocUnsafeSlow(Math.max(this.arenaBytes, 2 * (pos - base + more)))
    // A page that outgrows its buffer goes on in one a quarter of its size.
    if (this.ownBuffers) this.arenaBytes = Math.max(PAGE_BYTES_MIN, this.arenaBytes >> 2)
    this.arena.copy(next, 0, base, pos)
    this.arena = next
    this.arenaUsed = 0
    this.pageBuffers.push(next)
    return 0
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

  /** A metric's name as JSON (`"fps"`) in UTF-8, by dictionary id; a name added since the dictionary was read is read once a page. */
  private keyOf(metric: number): Buffer | undefined {
    let key = this.keys.get(metric)
    if (key === undefined) {
      let name = this.names.nameOf(metric)
      if (name === undefined && this.names.reload && !this.namesReloaded) {
        this.namesReloaded = true
        this.names.reload()
        name = this.names.nameOf(metric)
      }
      if (name === undefined) return undefined
      key = Buffer.from(JSON.stringify(name))
      this.keys.set(metric, key)
    }
    return key
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
