import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { ServerMetrics } from '../core/metrics.js'
import { type HistoryStore, ROLLUP_BUCKET_MS, type RollupTier } from '../store/ports.js'
import type { Retention } from './plan.js'

export interface RollerOptions {
  history: HistoryStore
  clock: Clock
  metrics: ServerMetrics
  logger: Logger
  retention: Retention
  /** How often pending reports are folded into the rollups in the background. */
  intervalMs?: number
  /** Work per store step, in reports; between steps, ingest gets its turn. */
  stepReports?: number
}

/**
 * Keeps the rollups up to date: every intervalMs, and whenever a reader asks (flush), it folds
 * the reports that writes left pending, in steps small enough that ingest never waits long.
 * The store keeps what is pending durably and makes folding exactly-once; after a crash the
 * first run after start-up finishes the work. A longer interval folds more reports per pass,
 * so that each camera's buckets are rewritten less often; readers never see the lag, since a
 * read of a rollup tier flushes first.
 */
export class Roller {
  private timer: NodeJS.Timeout | undefined
  private active: Promise<void> | undefined
  private queued: Promise<void> | undefined

  constructor(private readonly o: RollerOptions) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.o.logger.error({ err }, 'rollup failed'))
    }, this.o.intervalMs ?? 5000)
    this.timer.unref()
    void this.flush().catch((err: unknown) => this.o.logger.error({ err }, 'rollup failed'))
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await Promise.allSettled([this.active, this.queued])
  }

  /**
   * Resolves once every report acknowledged before the call is in the rollups. Callers that
   * come while a run is under way share the one run queued after it.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued
    if (!this.active) {
      this.active = this.drain().finally(() => {
        this.active = undefined
      })
      return this.active
    }
    this.queued = this.active
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined
        return this.flush()
      })
    return this.queued
  }

  /** Folds what is pending now: until no report that arrived before the call waits any more. */
  private async drain(): Promise<void> {
    const since = this.o.clock.now()
    let oldest = (await this.o.history.backlog()).oldestReceivedAt
    while (oldest !== undefined && oldest <= since) {
      const stop = this.o.metrics.rollupStepSeconds.startTimer()
      const { folded } = await this.o.history.rollUp({ maxReports: this.o.stepReports ?? 2_000, expiredBefore: this.expiredBefore() })
      stop()
      this.o.metrics.rollupReports.inc(folded)
      // The backlog changes only when a pass completes.
      if (folded > 0) oldest = (await this.o.history.backlog()).oldestReceivedAt
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  private expiredBefore(): Record<RollupTier, number> {
    const now = this.o.clock.now()
    // Slack of one bucket, so that a bucket is never written just as retention deletes it.
    return {
      '1m': now - this.o.retention['1m'] * 1000 - ROLLUP_BUCKET_MS['1m'],
      '1h': now - this.o.retention['1h'] * 1000 - ROLLUP_BUCKET_MS['1h'],
    }
  }
}
