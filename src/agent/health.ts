import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { ReportBuffer } from './buffer.js'
import type { Intake } from './intake.js'
import type { Uplink } from './uplink.js'

export interface HealthOptions {
  /** The agent reports as camera `agent:<name>`. */
  cameraId: string
  intervalS: number
  buffer: ReportBuffer
  uplink: Uplink
  intake: Intake
  clock: Clock
  logger: Logger
}

/**
 * The agent's own health as telemetry of camera `agent:<name>` (DESIGN §9a), sent through the
 * same buffer as every other report: during an outage it is buffered too, so the server later
 * sees how the buffer grew. Metrics: `buffer_reports`, `buffer_bytes`, `oldest_buffered_s`,
 * `upload_rate` (reports/s stored upstream over the last interval), `dropped_reports` and
 * `rejected_reports` (counters), `gaps_pending`, `live_delay_s` (longest wait of a live report
 * in the agent over the interval) and `last_success_s` (seconds since the last upload the server
 * answered; absent before the first).
 */
export class HealthReporter {
  private timer: NodeJS.Timeout | undefined
  private last: { at: number; uploaded: number }

  constructor(private readonly o: HealthOptions) {
    this.last = { at: o.clock.now(), uploaded: 0 }
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.o.intervalS * 1000)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** The current metrics; also what `report` sends. */
  metrics(now = this.o.clock.now()): Record<string, number> {
    const b = this.o.buffer.stats()
    const u = this.o.uplink.stats()
    const elapsedS = Math.max(0.001, (now - this.last.at) / 1000)
    const m: Record<string, number> = {
      buffer_reports: b.reports,
      buffer_bytes: b.bytes,
      oldest_buffered_s: b.oldestAt === undefined ? 0 : round(Math.max(0, now - b.oldestAt) / 1000),
      upload_rate: round((u.uploaded - this.last.uploaded) / elapsedS),
      dropped_reports: b.dropped,
      rejected_reports: b.rejected,
      gaps_pending: b.gapsPending,
    }
    if (u.lastSuccessAt !== undefined) m.last_success_s = round(Math.max(0, now - u.lastSuccessAt) / 1000)
    return m
  }

  report(): void {
    const now = this.o.clock.now()
    const metrics = { ...this.metrics(now), live_delay_s: round(this.o.uplink.takeLiveDelayMax() / 1000) }
    this.last = { at: now, uploaded: this.o.uplink.stats().uploaded }
    try {
      this.o.intake.accept([{ ok: true, value: { cameraId: this.o.cameraId, ts: now, metrics } }])
    } catch (err) {
      this.o.logger.error({ err }, 'agent health not buffered')
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
