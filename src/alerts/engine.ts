import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { Fleet, StatusChange } from '../fleet/fleet.js'
import type { AfterStoreStage, StoredBatch } from '../ingest/pipeline.js'
import type { Notifications } from '../notify/notifications.js'
import type { DomainEvent, EventSink } from '../stream/events.js'
import { DEFAULT_RULES } from './default-rules.js'
import { type EvalState, evaluate, initialState } from './evaluator.js'
import { INCIDENT_WINDOW_MS, type RecentOpen, groupsOf, isIncident, membersNear } from './incidents.js'
import type { AlertRecord, AlertStore, IncidentRecord, SilenceRecord } from './model.js'
import { type CameraFacts, OFFLINE_METRIC, OFFLINE_RULE_ID, type Rule, inScope } from './rules.js'
import { alertView, incidentView } from './views.js'

export interface AlertEngineOptions {
  store: AlertStore
  fleet: Fleet
  clock: Clock
  events: EventSink
  notifications: Notifications
  logger: Logger
  /** Seconds: a report arriving this long after its ts is late (CAMTEL_LATE_AFTER). */
  lateAfter: number
}

const key = (ruleId: string, cameraId: string) => `${ruleId}\u0000${cameraId}`
/** A backlog with no report for this long (wall clock) has been drained. */
const BACKLOG_IDLE_MS = 120_000

/**
 * Rules → alerts → incidents, as a stage of the ingest pipeline (on data time) and as a listener
 * of the fleet's status changes (for the clock-based offline rule). All changes go through one
 * queue so that a batch and an offline tick never interleave.
 */
export class AlertEngine implements AfterStoreStage {
  readonly name = 'alerts'
  private rules = new Map<string, Rule>()
  private byMetric = new Map<string, Rule[]>()
  /** Live evaluation state per (rule, camera), in data-time order. */
  private readonly live = new Map<string, EvalState>()
  /** Reports older than the live state (a backlog synced after an outage) run through their own. */
  private readonly backlog = new Map<string, EvalState>()
  private readonly open = new Map<string, AlertRecord>()
  private readonly openBacklog = new Map<string, AlertRecord>()
  private silences: SilenceRecord[] = []
  private readonly incidents = new Map<number, IncidentRecord>()
  private recent: RecentOpen[] = []
  /** Wall-clock time each backlog state last got a report; an idle backlog is finished. */
  private readonly backlogSeen = new Map<string, number>()
  private queue: Promise<unknown> = Promise.resolve()
  private sweeper: NodeJS.Timeout | undefined

  constructor(private readonly o: AlertEngineOptions) {}

  async load(): Promise<void> {
    if (!(await this.o.store.defaultsInstalled())) {
      for (const r of DEFAULT_RULES) await this.o.store.putRule(r, this.o.clock.now())
      await this.o.store.markDefaultsInstalled()
    }
    this.index(await this.o.store.listRules())
    for (const a of await this.o.store.openAlerts()) {
      this.open.set(key(a.ruleId, a.cameraId), a)
      this.live.set(key(a.ruleId, a.cameraId), { pendingSince: undefined, open: true, lastTs: a.openedAt })
    }
    this.silences = await this.o.store.listSilences()
    for (const i of await this.o.store.listIncidents(1000)) if (i.state === 'open') this.incidents.set(i.id, i)
    this.o.fleet.setAlertSeverity((id) => this.worstSeverity(id))
    // The fleet derived its statuses before it knew of these alerts: after a restart a camera
    // with an open critical alert must still be critical (DESIGN §3). Before the listener below,
    // so that this catching up is not taken for a change.
    for (const a of this.open.values()) this.o.fleet.reevaluate(a.cameraId)
    this.o.fleet.onStatusChange((change) => void this.serial(() => this.onStatus(change)))
  }

  /** Runs one change at a time, in the order asked. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch((err: unknown) => this.o.logger.error({ err }, 'alert engine step failed'))
    return run
  }

  // --- queries ----------------------------------------------------------------------------

  allRules(): Rule[] {
    return [...this.rules.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  rule(id: string): Rule | undefined {
    return this.rules.get(id)
  }

  openAlertsOf(cameraId: string): AlertRecord[] {
    return [...this.open.values(), ...this.openBacklog.values()].filter((a) => a.cameraId === cameraId)
  }

  /** DESIGN §3: critical or warning alerts firing or acknowledged, silenced or not. Offline has its own status. */
  worstSeverity(cameraId: string): 'critical' | 'warning' | null {
    let worst: 'critical' | 'warning' | null = null
    for (const a of this.open.values()) {
      if (a.cameraId !== cameraId || a.ruleId === OFFLINE_RULE_ID) continue
      if (a.severity === 'critical') return 'critical'
      worst = 'warning'
    }
    return worst
  }

  silencesNow(): SilenceRecord[] {
    return this.silences
  }

  // --- the pipeline stage -----------------------------------------------------------------

  afterStore(batch: StoredBatch): Promise<DomainEvent[]> {
    return this.serial(() => this.evaluateBatch(batch))
  }

  private async evaluateBatch(batch: StoredBatch): Promise<DomainEvent[]> {
    const events: DomainEvent[] = []
    const touched = new Set<string>()
    // Data-time order per camera, whatever order the batch came in.
    const order = batch.reports
      .map((r, i) => ({ r, dup: batch.outcomes[i]?.duplicate ?? false }))
      .filter((x) => !x.dup)
      .sort((a, b) => (a.r.cameraId < b.r.cameraId ? -1 : a.r.cameraId > b.r.cameraId ? 1 : a.r.ts - b.r.ts))
    for (const { r } of order) {
      const cam = this.facts(r.cameraId)
      if (!cam) continue
      for (const metric in r.metrics) {
        const rules = this.byMetric.get(metric)
        if (!rules) continue
        const value = r.metrics[metric] as number
        for (const rule of rules) {
          if (!inScope(rule.scope, cam)) continue
          const k = key(rule.id, cam.id)
          let state = this.live.get(k)
          if (!state) this.live.set(k, (state = initialState()))
          const isBacklog = state.lastTs !== undefined && r.ts < state.lastTs
          const late = batch.receivedAt - r.ts > this.o.lateAfter * 1000
          if (isBacklog) {
            let b = this.backlog.get(k)
            if (!b) this.backlog.set(k, (b = initialState()))
            this.backlogSeen.set(k, this.o.clock.now())
            await this.transition(rule, cam, this.openBacklog, evaluate(rule, b, r.ts, value), true, events)
          } else {
            await this.transition(rule, cam, this.open, evaluate(rule, state, r.ts, value), late, events)
          }
          touched.add(cam.id)
        }
      }
    }
    await this.flushValues()
    for (const id of touched) {
      const change = this.o.fleet.reevaluate(id)
      if (change) events.push(change)
    }
    return events
  }

  private facts(cameraId: string): CameraFacts | undefined {
    const c = this.o.fleet.camera(cameraId)?.camera
    return c && { id: c.id, siteId: c.siteId, tags: c.tags }
  }

  private dirty = new Set<AlertRecord>()

  private async transition(
    rule: Rule,
    cam: CameraFacts,
    openMap: Map<string, AlertRecord>,
    t: ReturnType<typeof evaluate>,
    late: boolean,
    events: DomainEvent[],
  ): Promise<void> {
    const k = key(rule.id, cam.id)
    if (t.kind === 'open') {
      const alert = await this.openAlert(rule, cam, t.ts, t.since, t.value, late)
      openMap.set(k, alert)
      events.push(this.alertEvent(alert))
      events.push(...(await this.groupIntoIncident(alert, cam)))
    } else if (t.kind === 'update') {
      const alert = openMap.get(k)
      if (alert && alert.value !== t.value) {
        alert.value = t.value
        this.dirty.add(alert)
      }
    } else if (t.kind === 'resolve') {
      const alert = openMap.get(k)
      if (!alert) return
      openMap.delete(k)
      alert.value = t.value
      events.push(...(await this.resolveAlert(alert, t.ts)))
    }
  }

  private async openAlert(rule: Rule, cam: CameraFacts, ts: number, since: number, value: number, late: boolean): Promise<AlertRecord> {
    const now = this.o.clock.now()
    const record: Omit<AlertRecord, 'id'> = {
      ruleId: rule.id,
      cameraId: cam.id,
      siteId: cam.siteId,
      severity: rule.severity,
      state: 'firing',
      silenced: this.isSilenced(cam, ts, now),
      late,
      value,
      openedAt: ts,
      since,
      resolvedAt: null,
      ack: null,
      incidentId: null,
      updatedAt: now,
    }
    const alert: AlertRecord = { ...record, id: await this.o.store.insertAlert(record) }
    // Late alerts are history, not news; silenced ones are muted by definition.
    if (!alert.silenced && !alert.late) await this.o.notifications.alertOpened(alert, rule)
    return alert
  }

  private async resolveAlert(alert: AlertRecord, ts: number): Promise<DomainEvent[]> {
    alert.state = 'resolved'
    alert.resolvedAt = ts
    alert.updatedAt = this.o.clock.now()
    this.dirty.delete(alert)
    await this.o.store.updateAlert(alert)
    const events = [this.alertEvent(alert)]
    if (!alert.silenced && !alert.late && alert.incidentId === null) await this.o.notifications.alertResolved(alert)
    if (alert.incidentId !== null) events.push(...(await this.maybeResolveIncident(alert.incidentId, ts)))
    return events
  }

  private async flushValues(): Promise<void> {
    for (const a of this.dirty) await this.o.store.updateAlert(a)
    this.dirty.clear()
  }

  private alertEvent(a: AlertRecord): DomainEvent {
    return { topic: 'alert', cameraId: a.cameraId, siteId: a.siteId, ts: a.resolvedAt ?? a.openedAt, data: alertView(a) }
  }

  /**
   * A backlog that stopped arriving is over: the live state owns the present, so an alert the
   * backlog left open ends at the backlog's last data time.
   */
  start(idleMs = BACKLOG_IDLE_MS): void {
    this.sweeper = setInterval(() => void this.serial(() => this.finishIdleBacklogs(idleMs)), Math.min(idleMs, 30_000))
    this.sweeper.unref()
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper)
  }

  async finishIdleBacklogs(idleMs = BACKLOG_IDLE_MS): Promise<void> {
    const now = this.o.clock.now()
    const events: DomainEvent[] = []
    for (const [k, seen] of this.backlogSeen) {
      if (now - seen < idleMs) continue
      this.backlogSeen.delete(k)
      const state = this.backlog.get(k)
      this.backlog.delete(k)
      const alert = this.openBacklog.get(k)
      if (!alert || !state) continue
      this.openBacklog.delete(k)
      events.push(...(await this.resolveAlert(alert, state.lastTs ?? alert.openedAt)))
    }
    this.o.events.publish(events)
  }

  // --- offline (clock) --------------------------------------------------------------------

  private async onStatus(change: StatusChange): Promise<void> {
    const rule = this.rules.get(OFFLINE_RULE_ID)
    const cam = this.facts(change.cameraId)
    if (!cam) return
    const k = key(OFFLINE_RULE_ID, cam.id)
    const events: DomainEvent[] = []
    if (change.status === 'offline' && rule && inScope(rule.scope, cam) && !this.open.has(k)) {
      const alert = await this.openAlert(rule, cam, change.ts, change.ts, 1, false)
      this.open.set(k, alert)
      events.push(this.alertEvent(alert), ...(await this.groupIntoIncident(alert, cam)))
    } else if (change.previous === 'offline' && change.status !== 'offline') {
      const alert = this.open.get(k)
      if (alert) {
        this.open.delete(k)
        alert.value = 0
        events.push(...(await this.resolveAlert(alert, change.ts)))
      }
    }
    this.o.events.publish(events)
  }

  // --- incidents --------------------------------------------------------------------------

  private async groupIntoIncident(alert: AlertRecord, cam: CameraFacts): Promise<DomainEvent[]> {
    const groups = groupsOf(cam.siteId, cam.tags)
    this.recent = this.recent.filter((o) => Math.abs(o.ts - alert.openedAt) <= 2 * INCIDENT_WINDOW_MS)
    this.recent.push({ alertId: alert.id, ruleId: alert.ruleId, cameraId: cam.id, groups, ts: alert.openedAt })
    for (const group of groups) {
      const existing = [...this.incidents.values()].find((i) => i.group === group && i.ruleId === alert.ruleId && i.state === 'open')
      if (existing) {
        if (!existing.cameras.includes(cam.id)) existing.cameras.push(cam.id)
        await this.o.store.updateIncident(existing)
        await this.attach(alert, existing.id)
        return [this.incidentEvent(existing)]
      }
      const members = membersNear(this.recent, alert.ruleId, group, alert.openedAt)
      if (!isIncident(members.length, this.groupSize(group))) continue
      const incident: Omit<IncidentRecord, 'id'> = {
        siteId: cam.siteId,
        ruleId: alert.ruleId,
        group,
        state: 'open',
        cameras: members.map((m) => m.cameraId),
        openedAt: Math.min(...members.map((m) => m.ts)),
        resolvedAt: null,
      }
      const created: IncidentRecord = { ...incident, id: await this.o.store.insertIncident(incident) }
      this.incidents.set(created.id, created)
      const events: DomainEvent[] = []
      for (const m of members) {
        const member = this.findOpen(m.alertId)
        if (member) {
          await this.attach(member, created.id)
          events.push(this.alertEvent(member))
        }
      }
      await this.o.notifications.incidentOpened(created)
      return [this.incidentEvent(created), ...events]
    }
    return []
  }

  private async attach(alert: AlertRecord, incidentId: number): Promise<void> {
    alert.incidentId = incidentId
    await this.o.store.updateAlert(alert)
  }

  private findOpen(alertId: number): AlertRecord | undefined {
    for (const a of this.open.values()) if (a.id === alertId) return a
    for (const a of this.openBacklog.values()) if (a.id === alertId) return a
    return undefined
  }

  private groupSize(group: string): number {
    let n = 0
    for (const s of this.o.fleet.allCameras()) {
      const c = s.camera
      if (group.startsWith('site:') ? `site:${c.siteId}` === group : c.tags.includes(group)) n++
    }
    return n
  }

  private async maybeResolveIncident(id: number, ts: number): Promise<DomainEvent[]> {
    const incident = this.incidents.get(id)
    if (!incident) return []
    const stillOpen = [...this.open.values(), ...this.openBacklog.values()].some((a) => a.incidentId === id)
    if (stillOpen) return []
    incident.state = 'resolved'
    incident.resolvedAt = ts
    this.incidents.delete(id)
    await this.o.store.updateIncident(incident)
    await this.o.notifications.incidentResolved(incident)
    return [this.incidentEvent(incident)]
  }

  private incidentEvent(i: IncidentRecord): DomainEvent {
    return { topic: 'incident', cameraId: null, siteId: i.siteId, ts: i.resolvedAt ?? i.openedAt, data: incidentView(i) }
  }

  // --- silences ---------------------------------------------------------------------------

  private isSilenced(cam: CameraFacts, dataTs: number, now: number): boolean {
    return this.silences.some((s) => covers(s, cam, dataTs, now))
  }

  /** Re-marks open alerts after silences changed; returns the alert events. */
  private async remarkSilences(): Promise<DomainEvent[]> {
    const now = this.o.clock.now()
    const events: DomainEvent[] = []
    for (const a of [...this.open.values(), ...this.openBacklog.values()]) {
      const cam = this.facts(a.cameraId)
      if (!cam) continue
      const silenced = this.isSilenced(cam, a.openedAt, now)
      if (silenced !== a.silenced) {
        a.silenced = silenced
        a.updatedAt = now
        await this.o.store.updateAlert(a)
        events.push(this.alertEvent(a))
      }
    }
    return events
  }

  // --- changes through the API ------------------------------------------------------------

  putRule(rule: Rule): Promise<boolean> {
    return this.serial(async () => {
      const created = await this.o.store.putRule(rule, this.o.clock.now())
      // A changed rule starts counting `for` afresh; its open alerts stay until their value clears.
      for (const k of [...this.live.keys()]) if (k.startsWith(`${rule.id}\u0000`) && !this.live.get(k)?.open) this.live.delete(k)
      this.index([...this.rules.values()].filter((r) => r.id !== rule.id).concat(rule))
      return created
    })
  }

  deleteRule(id: string): Promise<boolean> {
    return this.serial(async () => {
      if (!(await this.o.store.deleteRule(id))) return false
      this.index([...this.rules.values()].filter((r) => r.id !== id))
      const events: DomainEvent[] = []
      const now = this.o.clock.now()
      for (const map of [this.open, this.openBacklog]) {
        for (const [k, a] of map) {
          if (a.ruleId !== id) continue
          map.delete(k)
          events.push(...(await this.resolveAlert(a, now)))
          const change = this.o.fleet.reevaluate(a.cameraId)
          if (change) events.push(change)
        }
      }
      for (const k of [...this.live.keys()]) if (k.startsWith(`${id}\u0000`)) this.live.delete(k)
      this.o.events.publish(events)
      return true
    })
  }

  /** A camera moved to another site: its open alerts follow, so site filters and scoping see them. */
  cameraMoved(cameraId: string, siteId: string): Promise<void> {
    return this.serial(async () => {
      const events: DomainEvent[] = []
      for (const a of [...this.open.values(), ...this.openBacklog.values()]) {
        if (a.cameraId !== cameraId || a.siteId === siteId) continue
        a.siteId = siteId
        a.updatedAt = this.o.clock.now()
        await this.o.store.updateAlert(a)
        events.push(this.alertEvent(a))
      }
      this.o.events.publish(events)
    })
  }

  acknowledge(id: number, by: string, note: string | null): Promise<AlertRecord | undefined> {
    return this.serial(async () => {
      const alert = this.findOpen(id)
      if (!alert) return undefined
      alert.state = 'acknowledged'
      alert.ack = { by, at: this.o.clock.now(), note }
      alert.updatedAt = this.o.clock.now()
      await this.o.store.updateAlert(alert)
      this.o.events.publish([this.alertEvent(alert)])
      return alert
    })
  }

  addSilence(s: Omit<SilenceRecord, 'id'>): Promise<SilenceRecord> {
    return this.serial(async () => {
      const silence = { ...s, id: await this.o.store.insertSilence(s) }
      this.silences.push(silence)
      this.o.events.publish(await this.remarkSilences())
      return silence
    })
  }

  endSilence(id: number): Promise<boolean> {
    return this.serial(async () => {
      const now = this.o.clock.now()
      if (!(await this.o.store.endSilence(id, now))) return false
      const s = this.silences.find((x) => x.id === id)
      if (s) s.endedAt = now
      return true
    })
  }

  private index(rules: Rule[]): void {
    this.rules = new Map(rules.map((r) => [r.id, r]))
    this.byMetric = new Map()
    for (const r of rules) {
      if (r.metric === OFFLINE_METRIC) continue
      const list = this.byMetric.get(r.metric) ?? []
      list.push(r)
      this.byMetric.set(r.metric, list)
    }
  }
}

/** DESIGN §5: a silence covers an alert when the alert's data time or the present is in its window. */
export function covers(s: SilenceRecord, cam: CameraFacts, dataTs: number, now: number): boolean {
  if (!inScope(s.scope, cam)) return false
  const end = s.endedAt === null ? s.to : Math.min(s.to, s.endedAt)
  return (dataTs >= s.from && dataTs < end) || (now >= s.from && now < end)
}
