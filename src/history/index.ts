import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { ServerMetrics } from '../core/metrics.js'
import type { Store } from '../store/ports.js'
import type { Retention } from './plan.js'
import { RetentionEnforcer } from './retention.js'
import { Roller } from './roller.js'
import { SeriesReader } from './series.js'

export { MAX_POINTS, type Retention, planSeries } from './plan.js'
export { RetentionEnforcer } from './retention.js'
export { Roller } from './roller.js'
export { type SeriesAnswer, SeriesReader, type SeriesRequest } from './series.js'

export interface HistoryOptions {
  store: Store
  clock: Clock
  metrics: ServerMetrics
  logger: Logger
  retention: Retention
  rollIntervalMs?: number
  retentionIntervalMs?: number
}

/** History (DESIGN §4): rollups kept up to date, retention enforced, series read by tier. */
export interface History {
  readonly roller: Roller
  readonly retention: RetentionEnforcer
  readonly series: SeriesReader
  start(): void
  stop(): Promise<void>
}

export function createHistory(o: HistoryOptions): History {
  const common = { history: o.store.history, clock: o.clock, metrics: o.metrics, retention: o.retention }
  const roller = new Roller({ ...common, logger: o.logger.child({ module: 'rollup' }), intervalMs: o.rollIntervalMs })
  const retention = new RetentionEnforcer({
    ...common,
    logger: o.logger.child({ module: 'retention' }),
    intervalMs: o.retentionIntervalMs,
    flushRollups: () => roller.flush(),
  })
  const series = new SeriesReader({ ...common, telemetry: o.store.telemetry, flushRollups: () => roller.flush() })
  o.metrics.observeStorage({ backlog: () => o.store.history.backlog(), sizeBytes: () => o.store.sizeBytes(), now: () => o.clock.now() })
  return {
    roller,
    retention,
    series,
    start() {
      roller.start()
      retention.start()
    },
    async stop() {
      await retention.stop()
      await roller.stop()
    },
  }
}
