import { setTimeout as sleep } from 'node:timers/promises'
import type { WireReport } from '../protocol/report.js'

/** pino-compatible: `logger.info({ ids }, 'message')`. */
export interface SimLogger {
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

export const silentLogger: SimLogger = { info: () => undefined, warn: () => undefined }

export interface RetryPolicy {
  /** First delay after a failure, ms; it doubles per attempt up to `maxMs`. */
  readonly minMs: number
  readonly maxMs: number
}

export interface UploaderOptions {
  readonly server: string
  readonly token?: string
  readonly fetchImpl: typeof fetch
  readonly logger: SimLogger
  readonly signal: AbortSignal
  readonly retry: RetryPolicy
  /** Per request; a hung server counts as down. */
  readonly timeoutMs?: number
  readonly now: () => number
}

type Outcome = { ok: true; body: string } | { ok: false; retry: boolean; status?: number; detail: string }

/**
 * Talks to a camtel server: retries what may succeed later (network errors, 5xx, 408, 429)
 * with capped exponential backoff until it does or the signal aborts, logging once per
 * outage; gives up at once on what never will (other 4xx), logging once per status.
 * Only an abort rejects its promises.
 */
export class Uploader {
  private readonly base: string
  private outageSince: number | undefined
  private lastOkAt = Number.NEGATIVE_INFINITY
  private failedAttempts = 0
  private readonly loggedStatuses = new Set<number>()
  private loggedPartial = false

  constructor(private readonly opts: UploaderOptions) {
    // A base URL with a path prefix keeps it: http://host/camtel + /api/v1/…
    this.base = opts.server.replace(/\/+$/, '')
  }

  /** PUTs a JSON body; false when the server refused it. */
  async put(path: string, body: unknown): Promise<boolean> {
    return (await this.send('PUT', path, body)) !== undefined
  }

  /** POSTs one batch of reports; false when the server refused the whole batch. */
  async postTelemetry(reports: readonly WireReport[]): Promise<boolean> {
    const answer = await this.send('POST', '/api/v1/telemetry', { reports })
    if (answer === undefined) return false
    this.noteRejections(answer)
    return true
  }

  private async send(method: 'PUT' | 'POST', path: string, body: unknown): Promise<string | undefined> {
    const { signal, retry, logger } = this.opts
    const payload = JSON.stringify(body)
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted()
      const startedAt = this.opts.now()
      const outcome = await this.attempt(method, path, payload)
      if (outcome.ok || !outcome.retry) this.recovered()
      if (outcome.ok) return outcome.body
      if (!outcome.retry) {
        if (outcome.status !== undefined && !this.loggedStatuses.has(outcome.status)) {
          this.loggedStatuses.add(outcome.status)
          logger.warn({ method, path, status: outcome.status, detail: outcome.detail }, 'camtel server refused a request; skipping it')
        }
        return undefined
      }
      this.failedAttempts++
      // With requests in parallel, one sent before the last success proves no new outage.
      if (this.outageSince === undefined && startedAt >= this.lastOkAt) {
        this.outageSince = this.opts.now()
        logger.warn({ server: this.opts.server, status: outcome.status, detail: outcome.detail }, 'camtel server unavailable; retrying with backoff')
      }
      const delay = Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(attempt, 20))
      // Jitter, so that many simulators do not retry in lockstep.
      await sleep(delay * (0.75 + 0.5 * Math.random()), undefined, { signal })
    }
  }

  private async attempt(method: string, path: string, payload: string): Promise<Outcome> {
    const { signal, fetchImpl, token, timeoutMs = 30_000 } = this.opts
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`
    try {
      const res = await fetchImpl(this.base + path, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      })
      const text = await res.text()
      if (res.ok) return { ok: true, body: text }
      const retry = res.status >= 500 || res.status === 408 || res.status === 429
      return { ok: false, retry, status: res.status, detail: text.slice(0, 300) }
    } catch (err) {
      signal.throwIfAborted()
      return { ok: false, retry: true, detail: err instanceof Error ? describe(err) : String(err) }
    }
  }

  private recovered(): void {
    this.lastOkAt = this.opts.now()
    if (this.outageSince === undefined) return
    this.opts.logger.info(
      { server: this.opts.server, downS: Math.round((this.opts.now() - this.outageSince) / 1000), failedAttempts: this.failedAttempts },
      'camtel server reachable again',
    )
    this.outageSince = undefined
    this.failedAttempts = 0
  }

  /** A batch is kept even when some reports are bad; say so once, as it means a bug here. */
  private noteRejections(answer: string): void {
    if (this.loggedPartial) return
    let rejected: unknown
    try {
      rejected = (JSON.parse(answer) as { rejected?: unknown }).rejected
    } catch {
      return
    }
    if (Array.isArray(rejected) && rejected.length > 0) {
      this.loggedPartial = true
      this.opts.logger.warn({ rejected: rejected.length, first: rejected[0] }, 'camtel server rejected some simulated reports')
    }
  }
}

// fetch hides the socket error (ECONNREFUSED…) in `cause`.
function describe(err: Error): string {
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message
}
