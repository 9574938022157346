import type { Database, Statement } from 'better-sqlite3'
import type { Report } from '../../protocol/report.js'
import { type DomainEvent, type EventLog, EventListeners, JsonEvent, type ReplayWindow, type StoredEvent } from '../../stream/index.js'
import type { StoreEventLogOptions, WriteOutcome } from '../ports.js'
import { eventsOf } from './event-pages.js'
import type { MetricNames } from './metric-names.js'
import { InlinePages, type PageSource, ThreadPages } from './replay-reader.js'
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

/** A place in the delivery order, as `take` hands it out. */
interface Slot {
  /** undefined while the write is under way; null when it stored no events. */
  events: readonly StoredEvent[] | null | undefined
}

/**
 * The event log in the data folder (schema-events.ts), the server's embedded EventLog. Ids are
 * handed out by the writer (write-core.ts) in the order writes are called, and telemetry events
 * commit in the same transaction as their reports: `SqliteTelemetry.writeReports` records them
 * through `reserve()`, so nothing else appends them. Subscribers get each committed write's
 * events in id order, once. Pages for replays are read in a thread of their own with its own
 * read-only connection (replay-reader.ts; the main connection for an in-memory database), which
 * sees a commit as soon as the writer has made it, before its answer comes back.
 *
 * Telemetry events are read back from the reports they name (event-pages.ts): `data` is rebuilt
 * as JSON straight from the stored metric blob, and `siteId` is the camera's site as the registry
 * holds it. A report that is gone (its camera deleted, or past raw retention) leaves a gap in
 * the ids.
 */
export class SqliteEventLog implements EventLog {
  private readonly listeners: EventListeners
  private readonly slots: Slot[] = []
  private closed = false
  /** The window only moves forward, whatever the clock does. */
  private oldestSeen = 1
  private trimming: Promise<void> | undefined
  private readonly trimTimer: NodeJS.Timeout
  /** Where replays' pages are read. */
  private readonly pages: PageSource
  private readonly newestId: Statement
  private readonly firstId: Statement
  private readonly firstAtOrAfter: Statement
  private readonly changes: Statement
  /** Sites by camera id, for live telemetry events; valid while this connection has made no change since they were read. */
  private sites = new Map<string, string | null>()
  private sitesAsOf = -1
  private readonly siteOfCamera: Statement

  constructor(
    db: Database,
    names: MetricNames,
    private readonly writer: Writer,
    private readonly o: StoreEventLogOptions & { trimIntervalMs?: number; replayThread?: boolean },
  ) {
    if (!(o.maxEvents >= 1) || !(o.maxAgeMs > 0)) throw new RangeError('maxEvents must be at least 1 and maxAgeMs positive')
    this.listeners = new EventListeners(o.onListenerError)
    // The main connection's dictionary has every name: they are added through it.
    const nameSource = { nameOf: (id: number) => names.nameOf(id) }
    this.pages = db.memory || o.replayThread === false ? new InlinePages(db, nameSource) : new ThreadPages(db.name, nameSource, o.onDegraded)
    this.newestId = db.prepare('SELECT id + n - 1 FROM events ORDER BY id DESC LIMIT 1').pluck()
    this.firstId = db.prepare('SELECT id FROM events ORDER BY id LIMIT 1').pluck()
    this.firstAtOrAfter = db.prepare('SELECT id FROM events WHERE at >= ? ORDER BY at, id LIMIT 1').pluck()
    // Rows this connection has changed: the registry writes on it, the writer thread does not.
    // A camera's site or its deletion is such a change.
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
    if (limit < 1 || from > newest) return []
    const max = Math.floor(limit)
    const camerasAsOf = this.changes.get() as number
    // A short page means the end of the log (the stream relies on it): the reader reads rows until
    // the page is full, past events whose report is gone.
    const page = await this.pages.read(from, max, camerasAsOf)
    // A replay asks for the next page next: read it while this one is sent.
    if (page.n === max && !this.closed) this.pages.readAhead((page.ids[max - 1] as number) + 1, max, camerasAsOf)
    return eventsOf(page)
  }

  async window(): Promise<ReplayWindow> {
    if (this.closed) throw new Error('the event log is closed')
    return this.currentWindow()
  }

  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.listeners.add(listener)
  }

  warm(): void {
    if (!this.closed) this.pages.warm()
  }

  /** Tests: resolves once the pages being read ahead (by the replay thread) are read. */
  async readAheadForTest(): Promise<void> {
    if (this.pages instanceof ThreadPages) await this.pages.readAheadForTest()
  }

  /** Tests: ends the replay thread, if there is one, as a crash would; resolves once it has exited. */
  async killReplayThreadForTest(): Promise<void> {
    if (this.pages instanceof ThreadPages) await this.pages.terminateForTest()
  }

  async close(): Promise<void> {
    this.closed = true
    this.listeners.clear()
    clearInterval(this.trimTimer)
    await this.trimming
    await this.pages.close()
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

  private currentSites(): Map<string, string | null> {
    const changes = this.changes.get() as number
    if (changes !== this.sitesAsOf) {
      this.sites = new Map()
      this.sitesAsOf = changes
    }
    return this.sites
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
