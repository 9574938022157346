import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { covers } from '../alerts/engine.js'
import type { AlertFilter, AlertRecord, SilenceRecord } from '../alerts/model.js'
import type { Rule } from '../alerts/rules.js'
import type { Clock } from '../core/clock.js'
import type { Fleet } from '../fleet/fleet.js'
import { type PredictionView, RAISE_RISK } from '../protocol/predictions.js'
import type { WorkOrderState } from '../protocol/workorders.js'
import type { DomainEvent, StoredEvent } from '../stream/index.js'
import type { StatusChange, StatusOutcome, WorkOrderFilter, WorkOrderRecord, WorkOrderStore } from './model.js'
import { WORKORDER_CHANNEL, WORKORDER_KIND } from './notifier.js'
import { type TicketDraft, alertSource, alertTicket, predictionSource, predictionTicket } from './tickets.js'

/** What the service needs of the alert engine. */
export interface AlertSource {
  rule(id: string): Rule | undefined
  getAlert(id: number): Promise<AlertRecord | undefined>
  listAlerts(f: AlertFilter): Promise<AlertRecord[]>
  silencesNow(): readonly SilenceRecord[]
}

/** What the service needs of the predictor: its current predictions. */
export interface PredictionSource {
  list(f: { sites: null; camera?: string; minRisk?: number }): PredictionView[]
}

/** The server's event bus: what is durable is watched, and `workorder` events are published. */
export interface EventBus {
  publish(events: readonly DomainEvent[]): void
  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void
}

export interface WorkOrderServiceOptions {
  store: WorkOrderStore
  alerts: AlertSource
  predictions: PredictionSource | undefined
  fleet: Pick<Fleet, 'camera' | 'site'>
  events: EventBus
  clock: Clock
  logger: Logger
  /** Whether tickets are made (CAMTEL_WORKORDER_URL is set); status reports are taken either way. */
  enabled: boolean
  /** How often open critical alerts and raised predictions are checked for a ticket they lack. */
  reconcileMs?: number
}

/** Besides start-up: a ticket whose making failed (a locked database, say) is made at the next pass. */
const RECONCILE_MS = 5 * 60_000

/**
 * Work orders (DESIGN §7). Watches the event bus: an open critical alert (not silenced, not late)
 * or a raised prediction (risk >= 0.5, not silenced) makes one ticket per (camera, problem) while
 * that ticket is open; the ticket and its delivery are stored in one transaction, and the outbox
 * dispatcher delivers it, retried until it is. An event missed (a crash between an alert's commit
 * and its ticket's) is made good by `reconcile`, at start and every few minutes. The work-order
 * system reports progress back through `setStatus`. Each creation and status change is a
 * `workorder` event.
 */
export class WorkOrderService {
  private queue: Promise<unknown> = Promise.resolve()
  private unsubscribe: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly o: WorkOrderServiceOptions) {}

  start(): void {
    if (!this.o.enabled) return
    this.unsubscribe = this.o.events.subscribe((batch) => this.onEvents(batch))
    void this.reconcile()
    this.timer = setInterval(() => void this.reconcile(), this.o.reconcileMs ?? RECONCILE_MS)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.timer) clearInterval(this.timer)
    await this.whenIdle()
  }

  /** Settles once the work asked for so far is done (tests, shutdown). */
  async whenIdle(): Promise<void> {
    let last: Promise<unknown>
    do {
      last = this.queue
      await last
    } while (last !== this.queue)
  }

  /** Open critical alerts and raised predictions without a ticket get one. */
  reconcile(): Promise<void> {
    if (!this.o.enabled) return Promise.resolve()
    return this.serial(async () => {
      const open = await this.o.alerts.listAlerts({ state: 'open', severity: 'critical', limit: 1_000_000 })
      for (const a of open) await this.fromAlert(a.id)
      for (const p of this.o.predictions?.list({ sites: null, minRisk: RAISE_RISK }) ?? []) await this.fromPrediction(p)
    })
  }

  get(id: string): Promise<WorkOrderRecord | undefined> {
    return this.o.store.get(id)
  }

  list(f: WorkOrderFilter): Promise<WorkOrderRecord[]> {
    return this.o.store.list(f)
  }

  ofAlerts(alertIds: readonly number[]): Promise<Map<number, WorkOrderRecord>> {
    return this.o.store.ofAlerts(alertIds)
  }

  /** Progress reported by the work-order system; published as a `workorder` event once stored. */
  async setStatus(id: string, change: StatusChange): Promise<StatusOutcome> {
    const outcome = await this.o.store.setStatus(id, change, this.o.clock.now())
    if (outcome.kind === 'updated') this.publish(outcome.workOrder, outcome.workOrder.updatedAt)
    return outcome
  }

  /** The outbox delivered a ticket: consoles learn it as a `workorder` event (its state unchanged). */
  delivered(m: { id: string; channel: string }): void {
    if (m.channel !== WORKORDER_CHANNEL) return
    void this.serial(async () => {
      const w = await this.o.store.get(m.id)
      if (w) this.publish(w, this.o.clock.now())
    })
  }

  private onEvents(batch: readonly StoredEvent[]): void {
    for (const e of batch) {
      // Most events are telemetry: the topic is looked at before the data, which may be parsed on access.
      if (e.topic === 'alert') {
        const a = e.data as { id: number; severity: string; state: string; silenced: boolean; late: boolean }
        if (a.severity === 'critical' && a.state !== 'resolved' && !a.silenced && !a.late) void this.serial(() => this.fromAlert(a.id))
      } else if (e.topic === 'prediction') {
        const p = e.data as PredictionView
        if (p.risk >= RAISE_RISK) void this.serial(() => this.fromPrediction(p))
      }
    }
  }

  /** One thing at a time, in order; a failure is logged and the next reconcile makes up for it. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(fn, fn).catch((err: unknown) => this.o.logger.error({ err }, 'work order not made; the next reconcile tries again'))
    this.queue = run
    return run
  }

  private async fromAlert(alertId: number): Promise<void> {
    if (await this.o.store.hasSource(alertSource(alertId))) return
    // As it is now, not as the event told: it may have resolved since.
    const a = await this.o.alerts.getAlert(alertId)
    if (!a || a.state === 'resolved' || a.severity !== 'critical' || a.silenced || a.late) return
    const state = this.o.fleet.camera(a.cameraId)
    if (!state) return
    await this.open(alertTicket(a, this.o.alerts.rule(a.ruleId), state, this.o.fleet.site(state.camera.siteId)))
  }

  private async fromPrediction(event: PredictionView): Promise<void> {
    if (await this.o.store.hasSource(predictionSource(event))) return
    const p = this.o.predictions?.list({ sites: null, camera: event.cameraId, minRisk: RAISE_RISK }).find((x) => x.mode === event.mode) ?? event
    if (p.risk < RAISE_RISK) return
    const state = this.o.fleet.camera(p.cameraId)
    if (!state) return
    const now = this.o.clock.now()
    const facts = { id: state.camera.id, siteId: state.camera.siteId, tags: state.camera.tags }
    // DESIGN §5: silences mute work orders for a maintenance window.
    if (this.o.alerts.silencesNow().some((s) => covers(s, facts, Date.parse(p.asOf), now))) return
    await this.open(predictionTicket(p, state, this.o.fleet.site(state.camera.siteId)))
  }

  private async open(d: TicketDraft): Promise<void> {
    if (!this.o.enabled) return
    const now = this.o.clock.now()
    const id = `wo-${randomUUID()}`
    const createdAt = new Date(now).toISOString()
    const payload = { cameraId: d.cameraId, siteId: d.siteId, problem: d.problem, severity: d.severity, summary: d.summary, context: d.context, createdAt }
    const { outcome, workOrder } = await this.o.store.open({
      ...d,
      id,
      createdAt: now,
      message: { id, channel: WORKORDER_CHANNEL, kind: WORKORDER_KIND, payload, createdAt: now, dueAt: now },
    })
    if (outcome !== 'created' || !workOrder) return
    this.o.logger.info({ workOrder: id, cameraId: d.cameraId, problem: d.problem, source: d.source }, 'work order opened')
    this.publish(workOrder, d.dataTime)
  }

  private publish(w: WorkOrderRecord, ts: number): void {
    const data: { id: string; problem: string; state: WorkOrderState } = { id: w.id, problem: w.problem, state: w.state }
    this.o.events.publish([{ topic: 'workorder', cameraId: w.cameraId, siteId: w.siteId, ts, data }])
  }
}
