import { Counter } from 'prom-client'
import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { ServerMetrics } from '../core/metrics.js'
import { type Fleet, UNASSIGNED_SITE } from '../fleet/fleet.js'
import { type Report, validateReport } from '../protocol/report.js'
import { type Principal, canSeeSite } from '../server/auth/roles.js'
import type { TelemetryStore, WriteOutcome } from '../store/ports.js'
import type { DomainEvent, EventSink } from '../stream/events.js'
import type { RawItem } from './parsers.js'

export interface Rejection {
  index: number
  error: string
}

/** The answer to a batch (DESIGN §2). */
export interface BatchResult {
  accepted: number
  duplicates: number
  rejected: Rejection[]
}

export type IngestSource = 'json' | 'ndjson' | 'line' | 'mqtt'

export interface IngestContext {
  principal: Principal
  source: IngestSource
  /** A site the transport names (the MQTT topic); used when a new camera is created. */
  siteHint?: string
}

/** A batch after it is durable: what later stages (alerts, evidence) work from. */
export interface StoredBatch {
  readonly reports: readonly Report[]
  readonly outcomes: readonly WriteOutcome[]
  readonly receivedAt: number
  readonly context: IngestContext
}

/** A stage that runs after a batch is durable; it may add events (alerts, for instance). */
export interface AfterStoreStage {
  readonly name: string
  afterStore(batch: StoredBatch): DomainEvent[] | Promise<DomainEvent[]>
}

export interface PipelineOptions {
  fleet: Fleet
  telemetry: TelemetryStore
  events: EventSink
  clock: Clock
  metrics: ServerMetrics
  /** Where a failing after-store stage is logged. */
  logger?: Logger
}

const STAGE_FAILURES = 'camtel_ingest_stage_failures_total'

/**
 * Every ingest path (JSON, NDJSON, line protocol, MQTT) goes through here:
 * validate -> authorise -> dedup + store -> apply to the fleet -> later stages -> publish.
 * The answer comes only after the store has committed the batch.
 */
export class IngestPipeline {
  private readonly stages: AfterStoreStage[] = []
  private readonly stageFailures: Counter<'stage'>

  constructor(private readonly o: PipelineOptions) {
    const registry = o.metrics.registry
    this.stageFailures =
      (registry.getSingleMetric(STAGE_FAILURES) as Counter<'stage'> | undefined) ??
      new Counter({
        name: STAGE_FAILURES,
        help: 'After-store stages (alerts, capacity, predictions) that failed on a stored batch, which was acknowledged all the same',
        labelNames: ['stage'] as const,
        registers: [registry],
      })
  }

  addStage(stage: AfterStoreStage): void {
    this.stages.push(stage)
  }

  async ingest(items: readonly RawItem[], ctx: IngestContext): Promise<BatchResult> {
    const depth = this.o.metrics.queueDepth.labels({ queue: 'ingest' })
    depth.inc()
    try {
      return await this.ingestBatch(items, ctx)
    } finally {
      depth.dec()
    }
  }

  private async ingestBatch(items: readonly RawItem[], ctx: IngestContext): Promise<BatchResult> {
    const now = this.o.clock.now()
    const rejected: Rejection[] = []
    const valid: Report[] = []
    items.forEach((item, index) => {
      const check = item.ok ? validateReport(item.value, now) : ({ ok: false, error: item.error } as const)
      if (!check.ok) {
        rejected.push({ index, error: check.error })
        this.o.metrics.reportsRejected.inc({ source: ctx.source, reason: reasonOf(check.error) })
        return
      }
      const denied = this.authorise(check.report, ctx.principal)
      if (denied) {
        rejected.push({ index, error: denied })
        this.o.metrics.reportsRejected.inc({ source: ctx.source, reason: 'forbidden' })
        return
      }
      valid.push(check.report)
    })
    if (valid.length === 0) return { accepted: 0, duplicates: 0, rejected }

    await this.registerNewCameras(valid, ctx)
    const stopTimer = this.o.metrics.storeWriteSeconds.startTimer()
    const outcomes = await this.o.telemetry.writeReports(valid, now)
    stopTimer()

    let accepted = 0
    let samples = 0
    const events: DomainEvent[] = []
    valid.forEach((r, i) => {
      const outcome = outcomes[i] as WriteOutcome
      if (outcome.duplicate) return
      accepted++
      // Counted without Object.keys, which would allocate an array per report.
      for (const _ in r.metrics) samples++
      if (outcome.seqReset) this.o.metrics.seqResets.inc()
      // A store with an event log committed this report's telemetry event with it.
      if (this.o.telemetry.logsTelemetryEvents) return
      events.push({
        topic: 'telemetry',
        cameraId: r.cameraId,
        siteId: this.o.fleet.camera(r.cameraId)?.camera.siteId ?? null,
        ts: r.ts,
        data: { seq: r.seq ?? null, ts: new Date(r.ts).toISOString(), metrics: r.metrics },
      })
    })
    const duplicates = valid.length - accepted
    this.o.metrics.reportsAccepted.inc({ source: ctx.source }, accepted)
    this.o.metrics.samplesAccepted.inc(samples)
    if (duplicates > 0) this.o.metrics.reportsDuplicate.inc({ source: ctx.source }, duplicates)

    events.push(...this.o.fleet.applyReports(valid, outcomes, now))
    const batch: StoredBatch = { reports: valid, outcomes, receivedAt: now, context: ctx }
    for (const stage of this.stages) {
      // The batch is durable: a stage that fails must not turn its acknowledgement into a 500
      // (the sender would resend, as a duplicate, what is stored). Logged and counted instead.
      try {
        events.push(...(await stage.afterStore(batch)))
      } catch (err) {
        this.stageFailures.inc({ stage: stage.name })
        this.o.logger?.error({ err, stage: stage.name, reports: valid.length }, 'after-store stage failed on a stored batch')
      }
    }
    this.o.events.publish(events)
    return { accepted, duplicates, rejected }
  }

  /** DESIGN §10: a site-limited ingest token writes only cameras of its sites. */
  private authorise(r: Report, p: Principal): string | undefined {
    if (p.sites === null) return undefined
    const known = this.o.fleet.camera(r.cameraId)
    if (known) {
      return canSeeSite(p, known.camera.siteId) ? undefined : `camera ${r.cameraId} is not in this token's sites`
    }
    if (p.sites.length === 1) return undefined
    return `camera ${r.cameraId} is not registered; a token with several sites may only write registered cameras`
  }

  private async registerNewCameras(reports: readonly Report[], ctx: IngestContext): Promise<void> {
    const unknown = [...new Set(reports.map((r) => r.cameraId))].filter((id) => !this.o.fleet.camera(id))
    if (unknown.length === 0) return
    const p = ctx.principal
    let site = UNASSIGNED_SITE
    if (p.sites !== null && p.sites.length === 1) site = p.sites[0] as string
    else if (ctx.siteHint && this.o.fleet.site(ctx.siteHint)) site = ctx.siteHint
    await this.o.fleet.ensureCameras(unknown, site)
  }
}

/** A short, bounded label for the rejection counter. */
function reasonOf(error: string): string {
  if (error.startsWith('unknown field')) return 'unknown_field'
  if (error.startsWith('cameraId')) return 'camera_id'
  if (error.startsWith('seq')) return 'seq'
  if (error.startsWith('ts is more')) return 'future_ts'
  if (error.startsWith('ts')) return 'ts'
  if (error.startsWith('metric')) return 'metrics'
  return 'malformed'
}
