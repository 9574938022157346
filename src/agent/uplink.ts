import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { Batch, BatchLimit, Lane, ReportBuffer, Verdict } from './buffer.js'
import { type RetryPolicy, TokenBucket, backoffDelay } from './pacing.js'
import type { ServerClient, UploadOutcome } from './server-client.js'

export interface UplinkOptions {
  buffer: ReportBuffer
  client: ServerClient
  clock: Clock
  logger: Logger
  /** Largest upload; the server takes up to 16 MiB and 100,000 reports. */
  limit: BatchLimit
  /** Upper bound of the backlog's drain, reports per second. */
  backlogRate: number
  retry: RetryPolicy
  random?: () => number
  /** How often an idle lane looks for work nobody woke it for, ms. */
  idleMs?: number
  /**
   * How long one backlog upload should take at most, ms (default 500): the backlog's batches
   * shrink when the server is slower, since a live upload waits behind the batch the server is
   * storing.
   */
  backlogTargetMs?: number
}

export interface UplinkStats {
  /** Reports the server stored (accepted or already had) since start. */
  readonly uploaded: number
  readonly lastSuccessAt: number | undefined
  /** Since when the server has been unreachable, if it is. */
  readonly downSince: number | undefined
}

type Step = 'idle' | 'done' | { failed: string; retryAfterMs?: number }

/**
 * Resolves waiters on `fire`, after a timeout, or on abort. Plain callbacks rather than a race
 * of promises: a lane waits many times a second, and nothing of a finished wait may linger.
 */
class Wakeup {
  private readonly waiters = new Set<() => void>()

  fire(): void {
    for (const done of [...this.waiters]) done()
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
      signal.addEventListener('abort', done)
      if (signal.aborted) done()
    })
  }
}

/**
 * Uploads the buffer in two lanes. `live` sends the newest reports as they arrive; `backlog`
 * sends what the live lane passed over (an outage, a restart, a burst) oldest first, gap records
 * before reports, at most `backlogRate` reports a second and one request at a time, so that a
 * long outage's backlog never holds up the present. A failed upload leaves its reports in the
 * buffer, in their lane; each lane backs off with jitter, and the first success of either lane
 * ends the other's wait.
 */
export class Uplink {
  private readonly abort = new AbortController()
  private readonly data: Record<Lane, Wakeup> = { live: new Wakeup(), backlog: new Wakeup() }
  private readonly linkUp = new Wakeup()
  private readonly attempts: Record<Lane, number> = { live: 0, backlog: 0 }
  /** Halved after a 400/413 to isolate what the server cannot read; grows back on success. */
  private readonly limits: Record<Lane, number>
  private readonly bucket: TokenBucket
  private running: Promise<void>[] = []
  private uploaded = 0
  private lastSuccessAt: number | undefined
  private downSince: number | undefined
  private liveDelayMaxMs = 0

  constructor(private readonly o: UplinkOptions) {
    this.limits = { live: o.limit.reports, backlog: o.limit.reports }
    this.bucket = new TokenBucket(o.backlogRate, () => o.clock.now())
  }

  start(): void {
    this.running = (['live', 'backlog'] as const).map((lane) => this.run(lane))
  }

  /** Stops both lanes; a batch in flight stays in the buffer unacknowledged, to be sent again. */
  async stop(): Promise<void> {
    this.abort.abort()
    await Promise.all(this.running)
  }

  /** New reports were buffered. */
  wake(): void {
    this.data.live.fire()
  }

  stats(): UplinkStats {
    return { uploaded: this.uploaded, lastSuccessAt: this.lastSuccessAt, downSince: this.downSince }
  }

  /** Longest time a live report waited in the agent (arrival to acknowledgement) since the last call. */
  takeLiveDelayMax(): number {
    const d = this.liveDelayMaxMs
    this.liveDelayMaxMs = 0
    return d
  }

  private async run(lane: Lane): Promise<void> {
    const signal = this.abort.signal
    while (!signal.aborted) {
      let step: Step
      try {
        step = lane === 'live' ? await this.liveStep() : await this.backlogStep()
      } catch (err) {
        if (signal.aborted) return
        // The buffer could not be written (disk full, I/O error): keep trying, loudly.
        this.o.logger.error({ err, lane }, 'upload step failed')
        step = { failed: err instanceof Error ? err.message : String(err) }
      }
      if (step === 'idle') await this.data[lane].wait(this.o.idleMs ?? 1000, signal)
      else if (step !== 'done') await this.backOff(lane, step)
    }
  }

  private async liveStep(): Promise<Step> {
    const batch = this.o.buffer.takeLive({ reports: this.limits.live, bytes: this.o.limit.bytes })
    return batch ? this.upload(batch) : 'idle'
  }

  private async backlogStep(): Promise<Step> {
    const gaps = await this.sendGaps()
    if (gaps !== 'idle') return gaps
    const batch = this.o.buffer.takeBacklog({ reports: this.limits.backlog, bytes: this.o.limit.bytes })
    if (!batch) return 'idle'
    const wait = this.bucket.reserve(batch.rows.length)
    if (wait > 0) {
      try {
        await sleep(wait, undefined, { signal: this.abort.signal })
      } catch (err) {
        this.o.buffer.release(batch)
        throw err
      }
    }
    return this.upload(batch)
  }

  private async sendGaps(): Promise<Step> {
    const gaps = this.o.buffer.takeGaps(100)
    for (const [i, g] of gaps.entries()) {
      let outcome
      try {
        outcome = await this.o.client.postGap(g, this.abort.signal)
      } catch (err) {
        for (const rest of gaps.slice(i)) this.o.buffer.settleGap(rest, false)
        throw err
      }
      if (outcome.kind === 'retry') {
        for (const rest of gaps.slice(i)) this.o.buffer.settleGap(rest, false)
        return { failed: `gap: ${outcome.status ?? ''} ${outcome.detail}`, retryAfterMs: outcome.retryAfterMs }
      }
      if (outcome.kind === 'refused') this.o.logger.error({ gap: g, status: outcome.status, detail: outcome.detail }, 'server refused a gap record; dropping it')
      this.o.buffer.settleGap(g, true)
      this.succeeded()
    }
    return gaps.length > 0 ? 'done' : 'idle'
  }

  private async upload(batch: Batch): Promise<Step> {
    let outcome: UploadOutcome
    const started = this.o.clock.now()
    try {
      outcome = await this.o.client.postReports(
        batch.rows.map((r) => r.body),
        this.abort.signal,
      )
    } catch (err) {
      this.o.buffer.release(batch)
      throw err
    }
    const lane = batch.lane
    if (outcome.kind === 'retry') {
      this.o.buffer.release(batch)
      return { failed: `${outcome.status ?? 'network'}: ${outcome.detail}`, retryAfterMs: outcome.retryAfterMs }
    }
    if (outcome.kind === 'split' && batch.rows.length > 1) {
      this.o.buffer.release(batch)
      this.limits[lane] = Math.max(1, Math.floor(batch.rows.length / 2))
      this.o.logger.warn({ lane, status: outcome.status, reports: batch.rows.length, detail: outcome.detail }, 'server could not take a batch; sending smaller ones')
      return 'done'
    }
    const rejected = outcome.kind === 'answered' ? outcome.rejected : new Map([[0, `${outcome.status}: ${outcome.detail}`]])
    const verdicts: Verdict[] = batch.rows.map((_, i) => (rejected.has(i) ? 'rejected' : 'stored'))
    const settled = this.o.buffer.settle(batch, verdicts)
    this.uploaded += settled.stored
    if (rejected.size > 0) {
      const [index, error] = rejected.entries().next().value as [number, string]
      this.o.logger.warn({ lane, rejected: rejected.size, first: { cameraId: batch.rows[index]?.cameraId, error } }, 'server rejected reports as invalid; dropped them')
    }
    if (lane === 'live') {
      const now = this.o.clock.now()
      for (const r of batch.rows) this.liveDelayMaxMs = Math.max(this.liveDelayMaxMs, now - r.at)
    }
    if (lane === 'backlog') this.limits.backlog = this.nextBacklogLimit(batch.rows.length, this.o.clock.now() - started)
    else this.limits.live = Math.min(this.o.limit.reports, this.limits.live * 2)
    this.succeeded()
    return 'done'
  }

  /**
   * The backlog's batch size follows the server's pace. A live upload waits behind whatever the
   * server is storing, so while it is slow (busy, small, or catching up on late data) a backlog
   * batch should take no longer than the target: then the present is answered within about
   * that however long the backlog. Smaller in proportion when slower, half as large again when
   * under half the target, within [20, --batch]; the rate bound applies as before.
   */
  private nextBacklogLimit(sent: number, tookMs: number): number {
    const target = this.o.backlogTargetMs ?? 500
    const max = this.o.limit.reports
    if (tookMs > target) return Math.max(Math.min(max, 20), Math.floor((sent * target) / tookMs))
    if (tookMs < target / 2) return Math.min(max, Math.max(this.limits.backlog, Math.ceil(sent * 1.5)))
    return this.limits.backlog
  }

  private succeeded(): void {
    const now = this.o.clock.now()
    this.lastSuccessAt = now
    this.attempts.live = 0
    this.attempts.backlog = 0
    if (this.downSince === undefined) return
    this.o.logger.info({ downS: Math.round((now - this.downSince) / 1000), buffered: this.o.buffer.stats().reports }, 'server reachable again; draining the backlog')
    this.downSince = undefined
    this.linkUp.fire()
    this.data.backlog.fire()
  }

  private async backOff(lane: Lane, step: { failed: string; retryAfterMs?: number }): Promise<void> {
    if (this.downSince === undefined) {
      this.downSince = this.o.clock.now()
      this.o.logger.warn({ lane, detail: step.failed }, 'uploads failing; buffering and retrying with backoff')
    }
    const delay = Math.max(step.retryAfterMs ?? 0, backoffDelay(this.attempts[lane]++, this.o.retry, this.o.random))
    await this.linkUp.wait(delay, this.abort.signal)
  }
}
