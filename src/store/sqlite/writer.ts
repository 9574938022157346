import type { Worker } from 'node:worker_threads'
import type { HistoryTier, RollUpOptions } from '../ports.js'
import { spawnStoreThread } from './threads.js'
import type { BatchWritten, EventRow, LatestRow, SqlStatement, WriteCore } from './write-core.js'

/**
 * Where the store's writes run. The server uses a writer thread, so that SQLite's work on
 * ingest, rollups and retention — fsyncs and checkpoints included — runs beside the event
 * loop instead of in it; an in-memory store writes inline.
 */
export interface Writer {
  /**
   * A packed batch (batch-pack.ts); resolves, once committed, to one outcome byte per report.
   * With `events`, the new reports' telemetry events commit with them. Writes and event appends
   * commit in the order they were called, and get event ids in that order.
   */
  write(batch: Uint8Array, events?: boolean): Promise<BatchWritten>
  /** Stream events (the event log's appends); resolves, once committed, to the first id. */
  appendEvents(rows: EventRow[], at: number): Promise<number>
  /**
   * Statements of the main connection's stores (alerts, outbox) in one transaction, committed in
   * order with the batches and sharing their fsync; resolves, once committed, to each one's
   * count of changed rows.
   */
  execute(statements: SqlStatement[]): Promise<number[]>
  /** Background: deletes at most `maxRows` event rows below id `oldest`; resolves to the rows deleted. */
  trimEvents(oldest: number, maxRows: number): Promise<number>
  saveLatest(rows: LatestRow[]): Promise<void>
  rollUp(o: RollUpOptions): Promise<number>
  expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }>
  close(): Promise<void>
}

export class InlineWriter implements Writer {
  constructor(private readonly core: WriteCore) {}

  async write(batch: Uint8Array, events = false): Promise<BatchWritten> {
    return this.core.write(batch, events)
  }

  async appendEvents(rows: EventRow[], at: number): Promise<number> {
    return this.core.appendEvents(rows, at)
  }

  async execute(statements: SqlStatement[]): Promise<number[]> {
    return this.core.execute(statements)
  }

  async trimEvents(oldest: number, maxRows: number): Promise<number> {
    return this.core.trimEvents(oldest, maxRows)
  }

  async saveLatest(rows: LatestRow[]): Promise<void> {
    this.core.saveLatest(rows)
  }

  async rollUp(o: RollUpOptions): Promise<number> {
    return this.core.rollUp(o)
  }

  async expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }> {
    return this.core.expire(tier, before, maxRows)
  }

  async close(): Promise<void> {}
}

/** A request to the writer thread; `id` pairs it with its answer. */
export type WriterRequest =
  | { id: number; op: 'write'; batch: Uint8Array; events: boolean }
  | { id: number; op: 'appendEvents'; rows: EventRow[]; at: number }
  | { id: number; op: 'execute'; statements: SqlStatement[] }
  | { id: number; op: 'trimEvents'; oldest: number; maxRows: number }
  | { id: number; op: 'saveLatest'; rows: LatestRow[] }
  | { id: number; op: 'rollUp'; options: RollUpOptions }
  | { id: number; op: 'expire'; tier: HistoryTier; before: number; maxRows: number }
  | { id: number; op: 'close' }

export type WriterAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; code?: string }

export interface WriterThreadData {
  file: string
  sync: 'full' | 'normal'
}

/** An error the writer thread answered with, with the code of the original where it had one. */
export class WriterError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
    this.name = 'WriterError'
  }
}

export class ThreadWriter implements Writer {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private nextId = 1
  private failureOf: Error | undefined
  private closed: Promise<void> | undefined

  constructor(
    data: WriterThreadData,
    private readonly onDeath?: (err: Error) => void,
  ) {
    this.worker = spawnStoreThread('writer-thread', data)
    this.worker.unref()
    this.worker.on('message', (a: WriterAnswer) => this.answer(a))
    this.worker.on('error', (err) => this.die(err))
    this.worker.on('exit', (code) => this.die(new Error(`the writer thread exited (code ${code})`)))
  }

  write(batch: Uint8Array, events = false): Promise<BatchWritten> {
    // Transferred rather than copied when the batch owns its whole buffer, as packed ones do.
    const own = batch.byteOffset === 0 && batch.byteLength === batch.buffer.byteLength
    return this.call({ op: 'write', batch, events }, own ? [batch.buffer as ArrayBuffer] : []) as Promise<BatchWritten>
  }

  appendEvents(rows: EventRow[], at: number): Promise<number> {
    return this.call({ op: 'appendEvents', rows, at }) as Promise<number>
  }

  execute(statements: SqlStatement[]): Promise<number[]> {
    return this.call({ op: 'execute', statements }) as Promise<number[]>
  }

  trimEvents(oldest: number, maxRows: number): Promise<number> {
    return this.call({ op: 'trimEvents', oldest, maxRows }) as Promise<number>
  }

  async saveLatest(rows: LatestRow[]): Promise<void> {
    await this.call({ op: 'saveLatest', rows })
  }

  rollUp(options: RollUpOptions): Promise<number> {
    return this.call({ op: 'rollUp', options }) as Promise<number>
  }

  expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }> {
    return this.call({ op: 'expire', tier, before, maxRows }) as Promise<{ deleted: number; done: boolean }>
  }

  /** Why the thread is gone, when it died other than by close(); every write then fails with it. */
  get failure(): Error | undefined {
    return this.closed === undefined ? this.failureOf : undefined
  }

  /** Ends the thread at once, as a crash would (tests); resolves once it has exited. */
  async terminate(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    await this.worker.terminate()
    await exited
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.failureOf) return
      await this.call({ op: 'close' })
      await new Promise<void>((resolve) => {
        if (this.worker.threadId === -1) return resolve()
        // Referenced until it exits: a script awaiting close() would otherwise end first, its await unsettled.
        this.worker.ref()
        this.worker.once('exit', () => resolve())
      })
    })()
    return this.closed
  }

  private call(req: DistributiveOmit<WriterRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failureOf) return Promise.reject(this.failureOf)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      // Kept alive while an answer is awaited, so that a script awaiting a write does not exit.
      if (this.pending.size === 1) this.worker.ref()
      this.worker.postMessage({ ...req, id }, transfer)
    })
  }

  private answer(a: WriterAnswer): void {
    const p = this.pending.get(a.id)
    if (!p) return
    this.pending.delete(a.id)
    if (this.pending.size === 0) this.worker.unref()
    if (a.ok) p.resolve(a.result)
    else p.reject(new WriterError(a.message, a.code))
  }

  /**
   * The thread ended. After close() that is the plan; otherwise it died (a bug, or killed), and
   * no write can be stored any more: every later write fails with that reason, `failure` says
   * so (the store reports it in /readyz, 503, so that the process gets restarted), and
   * `onDeath` hears it once. Everything acknowledged is on disk.
   */
  private die(err: Error): void {
    // A crash brings 'error' then 'exit': the first says what happened.
    if (this.failureOf) return
    const expected = this.closed !== undefined
    const failure = expected ? new Error('the store is closed') : new Error(`the SQLite writer thread died: ${err.message}`, { cause: err })
    this.failureOf = failure
    for (const p of this.pending.values()) p.reject(failure)
    this.pending.clear()
    if (!expected) this.onDeath?.(failure)
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
