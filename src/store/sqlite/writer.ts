import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { HistoryTier, RollUpOptions } from '../ports.js'
import type { LatestRow, WriteCore } from './write-core.js'

/**
 * Where the store's writes run. The server uses a writer thread, so that SQLite's work on
 * ingest, rollups and retention — fsyncs and checkpoints included — runs beside the event
 * loop instead of in it; an in-memory store writes inline.
 */
export interface Writer {
  /** A packed batch (batch-pack.ts); resolves, once committed, to one outcome byte per report. */
  write(batch: Uint8Array): Promise<Uint8Array>
  saveLatest(rows: LatestRow[]): Promise<void>
  rollUp(o: RollUpOptions): Promise<number>
  expire(tier: HistoryTier, before: number, maxRows: number): Promise<{ deleted: number; done: boolean }>
  close(): Promise<void>
}

export class InlineWriter implements Writer {
  constructor(private readonly core: WriteCore) {}

  async write(batch: Uint8Array): Promise<Uint8Array> {
    return this.core.write(batch)
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
  | { id: number; op: 'write'; batch: Uint8Array }
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
  private failure: Error | undefined
  private closed: Promise<void> | undefined

  constructor(data: WriterThreadData) {
    this.worker = spawnWriterThread(data)
    this.worker.unref()
    this.worker.on('message', (a: WriterAnswer) => this.answer(a))
    this.worker.on('error', (err) => this.die(err))
    this.worker.on('exit', (code) => this.die(new Error(`the writer thread exited (code ${code})`)))
  }

  write(batch: Uint8Array): Promise<Uint8Array> {
    // Transferred rather than copied when the batch owns its whole buffer, as packed ones do.
    const own = batch.byteOffset === 0 && batch.byteLength === batch.buffer.byteLength
    return this.call({ op: 'write', batch }, own ? [batch.buffer as ArrayBuffer] : []) as Promise<Uint8Array>
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

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.failure) return
      await this.call({ op: 'close' })
      await new Promise<void>((resolve) => {
        if (this.worker.threadId === -1) resolve()
        else this.worker.once('exit', () => resolve())
      })
    })()
    return this.closed
  }

  private call(req: DistributiveOmit<WriterRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure)
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
   * The thread ended. After close() that is the plan; otherwise it died of a bug (operations
   * answer their own errors), no write can be stored any more, and the process is better
   * restarted than left answering 500: everything acknowledged is on disk.
   */
  private die(err: Error): void {
    // A crash brings 'error' then 'exit': the first says what happened.
    if (this.failure) return
    const expected = this.closed !== undefined
    const failure = expected ? new Error('the store is closed') : new Error(`the SQLite writer thread died: ${err.message}`, { cause: err })
    this.failure = failure
    for (const p of this.pending.values()) p.reject(failure)
    this.pending.clear()
    if (!expected) {
      queueMicrotask(() => {
        throw failure
      })
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/**
 * Starts writer-thread.ts, or .js once compiled. Run from TypeScript sources (tests, tsx), the
 * thread registers tsx's loader before importing its entry, as the main thread did.
 */
function spawnWriterThread(data: WriterThreadData): Worker {
  const fromSource = import.meta.url.endsWith('.ts')
  const entry = new URL(`./writer-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url)
  if (!fromSource) return new Worker(entry, { workerData: data })
  // The package's ESM entry: require.resolve names its CommonJS twin, which cannot register.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData: data })
}
