import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { ServerMetrics } from '../core/metrics.js'
import type { HistoryStore, HistoryTier } from '../store/ports.js'
import type { Retention } from './plan.js'

export interface RetentionOptions {
  history: HistoryStore
  clock: Clock
  metrics: ServerMetrics
  logger: Logger
  retention: Retention
  /** Folds pending reports into the rollups: the store keeps raw reports until they are. */
  flushRollups: () => Promise<void>
  /** How often the tiers are swept. */
  intervalMs?: number
  /** Rows deleted per transaction; between them, ingest gets the event loop. */
  batchRows?: number
}

const TIERS: readonly HistoryTier[] = ['raw', '1m', '1h']

/**
 * Enforces each tier's retention in the background (DESIGN §4): data older than the tier's
 * retention, by data time against the server clock, is deleted in small transactions. Rollups
 * are kept by their own retention, whatever became of the raw rows they summarise.
 */
export class RetentionEnforcer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<Record<HistoryTier, number>> | undefined
  private stopped = false

  constructor(private readonly o: RetentionOptions) {}

  start(): void {
    if (this.timer) return
    this.stopped = false
    this.timer = setInterval(() => {
      this.runNow().catch((err: unknown) => this.o.logger.error({ err }, 'retention failed'))
    }, this.o.intervalMs ?? 60_000)
    this.timer.unref()
    // A server that was down for a while starts with a sweep rather than a full interval late.
    this.runNow().catch((err: unknown) => this.o.logger.error({ err }, 'retention failed'))
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }

  /**
   * One full sweep of every tier, started now: when a sweep is already under way (the timer's,
   * or the one at start-up), this waits for it and then sweeps again, so that what the caller
   * asks for (e.g. after the clock moved) is really done. Answers the rows deleted per tier.
   */
  runNow(): Promise<Record<HistoryTier, number>> {
    const run = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.sweep())
    const tracked: Promise<Record<HistoryTier, number>> = run.finally(() => {
      if (this.running === tracked) this.running = undefined
    })
    this.running = tracked
    return tracked
  }

  private async sweep(): Promise<Record<HistoryTier, number>> {
    const deleted: Record<HistoryTier, number> = { raw: 0, '1m': 0, '1h': 0 }
    await this.o.flushRollups()
    for (const tier of TIERS) {
      for (;;) {
        if (this.stopped) return deleted
        const before = this.o.clock.now() - this.o.retention[tier] * 1000
        const r = await this.o.history.expire(tier, before, this.o.batchRows ?? 5_000)
        deleted[tier] += r.deleted
        if (r.deleted > 0) this.o.metrics.retentionDeleted.inc({ tier }, r.deleted)
        if (r.done) break
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    if (deleted.raw + deleted['1m'] + deleted['1h'] > 0) this.o.logger.info({ deleted }, 'retention sweep')
    return deleted
  }
}
