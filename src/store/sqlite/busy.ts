import { setTimeout as sleep } from 'node:timers/promises'

/**
 * How long one statement of the main connection may wait for the write lock inside SQLite's
 * busy handler, which sleeps on the event loop's thread. Kept to a couple of milliseconds:
 * longer waits happen in `retryWhileBusy`, between timers, with the loop free.
 */
export const MAIN_BUSY_TIMEOUT_MS = 2

/** How long a store write keeps retrying a locked database before the error surfaces. */
export const BUSY_RETRY_TOTAL_MS = 30_000

/** Longest pause between two attempts. */
const MAX_PAUSE_MS = 25

/** The database stayed locked by another connection for longer than the store waits. */
export class StoreBusyError extends Error {
  readonly code = 'SQLITE_BUSY'

  constructor(waitedMs: number, cause: unknown) {
    super(`the database stayed locked by another connection for ${waitedMs} ms (SQLITE_BUSY); the write was not made`, { cause })
    this.name = 'StoreBusyError'
  }
}

/** SQLITE_BUSY and its extended codes (better-sqlite3's SqliteError, or the writer's answer). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) && !(err instanceof StoreBusyError)
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, pausing on a timer (1, 2, 4 … 25 ms)
 * between attempts, for `totalMs` at most; then throws StoreBusyError. Each attempt must
 * change nothing when it fails with SQLITE_BUSY: one statement, or one transaction.
 */
export async function retryWhileBusy<R>(attempt: () => Promise<R>, totalMs = BUSY_RETRY_TOTAL_MS): Promise<R> {
  const start = Date.now()
  let pause = 1
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      if (!isBusy(err)) throw err
      const waited = Date.now() - start
      if (waited >= totalMs) throw new StoreBusyError(waited, err)
      await sleep(Math.min(pause, totalMs - waited))
      pause = Math.min(pause * 2, MAX_PAUSE_MS)
    }
  }
}

/**
 * The same object, with each method that returns a promise retried while the database is busy
 * (retryWhileBusy). Methods that answer synchronously, and properties, pass through. Every
 * async method of the wrapped object must be one statement or one transaction, or read-only
 * up to its single write, so that an attempt that met a lock changed nothing.
 */
export function retryingWhenBusy<T extends object>(target: T, totalMs = BUSY_RETRY_TOTAL_MS): T {
  const wrapped = new Map<PropertyKey, unknown>()
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key, t)
      if (typeof value !== 'function') return value
      let fn = wrapped.get(key)
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown
        fn = (...args: unknown[]): unknown => {
          const first = method.apply(t, args)
          if (!(first instanceof Promise)) return first
          let tried = false
          return retryWhileBusy(() => {
            if (tried) return method.apply(t, args) as Promise<unknown>
            tried = true
            return first
          }, totalMs)
        }
        wrapped.set(key, fn)
      }
      return fn
    },
  })
}
