import type { Database } from 'better-sqlite3'
import type { Worker } from 'node:worker_threads'
import { type EventPage, EventPageReader, type MetricNameSource, openReader } from './event-pages.js'
import { spawnStoreThread } from './threads.js'

export interface ReplayThreadData {
  /** The database file. */
  file: string
}

export type ReplayRequest = { id: number; op: 'read'; from: number; max: number; camerasAsOf: number } | { id: number; op: 'close' }

export type ReplayAnswer = { id: number; ok: true; page?: EventPage } | { id: number; ok: false; message: string }

/** Where the event log's pages come from (`EventPageReader.read`). */
export interface PageSource {
  read(from: number, max: number, camerasAsOf: number): Promise<EventPage>
  /** Starts reading a page that is likely to be asked for next; `read` then answers with it. */
  readAhead(from: number, max: number, camerasAsOf: number): void
  /** Gets ready to read (a console connected; replays may follow). */
  warm(): void
  close(): Promise<void>
}

/** Pages read on the calling thread, through a connection it already has. */
export class InlinePages implements PageSource {
  private readonly reader: EventPageReader

  constructor(db: Database, names: MetricNameSource) {
    this.reader = new EventPageReader(db, names, false)
  }

  async read(from: number, max: number, camerasAsOf: number): Promise<EventPage> {
    return this.reader.read(from, max, camerasAsOf)
  }

  readAhead(): void {}

  warm(): void {}

  async close(): Promise<void> {}
}

/** Pages read ahead and not asked for are dropped after this long, or when this many are kept. */
const AHEAD_MAX_AGE_MS = 5_000
const AHEAD_MAX = 16

interface Request {
  from: number
  max: number
  camerasAsOf: number
  resolve: (page: EventPage) => void
  reject: (err: Error) => void
}

/**
 * Pages read in the replay thread (replay-thread.ts), started by `warm` or the first read. A
 * replay's lookups and the rebuilding of its messages run there, and while the stream sends one
 * page the thread reads the next two (`readAhead`): a replay is bound by the slower of the two
 * threads, not their sum. (A second reading thread was slower on two cores: the machine's CPUs
 * are then shared by three busy threads and the kernel's socket work.)
 *
 * A page read ahead is the log as it was when it was read, a moment before it is asked for: the
 * same events, as ids are never reused, except that one whose report retention deleted meanwhile
 * may still be on it. It is used only for the same first id and size and the same state of the
 * camera registry, and only if it is full (a short one ends the log, which may have grown since).
 *
 * If the thread dies, its reads and all later ones run on the main thread through a read-only
 * connection of their own, and `onDeath` hears why, once: replays go on, slower.
 */
export class ThreadPages implements PageSource {
  private worker: Worker | undefined
  private readonly pending = new Map<number, Request>()
  private readonly ahead = new Map<string, { at: number; page: Promise<EventPage> }>()
  private nextId = 1
  private failure: Error | undefined
  private fallback: InlinePages | undefined
  private fallbackDb: Database | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly file: string,
    private readonly names: MetricNameSource,
    private readonly onDeath?: (err: Error) => void,
  ) {}

  /** Starts the thread now, so that the first replay does not wait for it. */
  warm(): void {
    if (!this.failure && !this.closing) this.thread()
  }

  read(from: number, max: number, camerasAsOf: number): Promise<EventPage> {
    const key = aheadKey(from, max, camerasAsOf)
    const kept = this.ahead.get(key)
    if (kept) {
      this.ahead.delete(key)
      if (performance.now() - kept.at <= AHEAD_MAX_AGE_MS) {
        return kept.page.then((page) => (page.n === max ? page : this.request(from, max, camerasAsOf)))
      }
    }
    return this.request(from, max, camerasAsOf)
  }

  readAhead(from: number, max: number, camerasAsOf: number): void {
    if (this.failure || this.closing) return
    // The next page, and the one after it as it is if no event is missing from the next: the
    // thread is never left waiting for the stream to ask.
    for (const first of [from, from + max]) {
      const key = aheadKey(first, max, camerasAsOf)
      if (this.ahead.has(key)) continue
      if (this.ahead.size >= AHEAD_MAX) this.ahead.delete(this.ahead.keys().next().value as string)
      const page = this.request(first, max, camerasAsOf)
      // Handled when it is asked for; until then a failure is no one's business.
      page.catch(() => {})
      this.ahead.set(key, { at: performance.now(), page })
    }
  }

  /** Ends the thread; reads under way get their pages first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ahead.clear()
      const worker = this.worker
      if (worker && !this.failure) {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
        worker.ref()
        worker.postMessage({ id: 0, op: 'close' } satisfies ReplayRequest)
        await exited
      }
      if (this.fallbackDb?.open) this.fallbackDb.close()
    })()
    return this.closing
  }

  /** Tests: resolves once the pages being read ahead are read. */
  async readAheadForTest(): Promise<void> {
    await Promise.allSettled([...this.ahead.values()].map((a) => a.page))
  }

  /** Tests: ends the thread as a crash would; resolves once it has exited. */
  async terminateForTest(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    await worker.terminate()
    await exited
  }

  private request(from: number, max: number, camerasAsOf: number): Promise<EventPage> {
    if (this.closing) return Promise.reject(new Error('the event log is closed'))
    if (this.failure) return this.inline().read(from, max, camerasAsOf)
    const worker = this.thread()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { from, max, camerasAsOf, resolve, reject })
      // Kept alive while a page is awaited, so that a script awaiting a read does not exit.
      if (this.pending.size === 1) worker.ref()
      worker.postMessage({ id, op: 'read', from, max, camerasAsOf } satisfies ReplayRequest)
    })
  }

  private thread(): Worker {
    if (this.worker) return this.worker
    const worker = spawnStoreThread('replay-thread', { file: this.file } satisfies ReplayThreadData)
    worker.unref()
    worker.on('message', (a: ReplayAnswer) => this.answer(a))
    worker.on('error', (err) => this.die(err))
    worker.on('exit', (code) => this.die(new Error(`the replay thread exited (code ${code})`)))
    this.worker = worker
    return worker
  }

  private answer(a: ReplayAnswer): void {
    const r = this.pending.get(a.id)
    if (!r) return
    this.pending.delete(a.id)
    if (this.pending.size === 0) this.worker?.unref()
    if (!a.ok) r.reject(new Error(a.message))
    else if (a.page) r.resolve(a.page)
    else r.reject(new Error('the replay thread answered without a page'))
  }

  /** The thread ended: planned after close(); otherwise its reads, and all reads from now on, run here. */
  private die(err: Error): void {
    // A crash brings 'error' then 'exit': the first says what happened.
    if (this.failure || this.closing) return
    this.failure = new Error(`the replay thread died: ${err.message}`, { cause: err })
    this.ahead.clear()
    const left = [...this.pending.values()]
    this.pending.clear()
    this.onDeath?.(this.failure)
    for (const r of left) this.inline().read(r.from, r.max, r.camerasAsOf).then(r.resolve, r.reject)
  }

  private inline(): InlinePages {
    if (!this.fallback) {
      this.fallbackDb = openReader(this.file)
      this.fallback = new InlinePages(this.fallbackDb, this.names)
    }
    return this.fallback
  }
}

function aheadKey(from: number, max: number, camerasAsOf: number): string {
  return `${from}:${max}:${camerasAsOf}`
}
