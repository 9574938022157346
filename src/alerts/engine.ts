import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { Fleet, StatusChange } from '../fleet/fleet.js'
import type { AfterStoreStage, StoredBatch } from '../ingest/pipeline.js'
import type { NewOutboxMessage } from '../notify/model.js'
import type { Notifications } from '../notify/notifications.js'
import type { Report } from '../protocol/report.js'
import type { DomainEvent, EventSink } from '../stream/events.js'
import { DEFAULT_RULES } from './default-rules.js'
import { type EvalState, type Transition, evaluate, initialState } from './evaluator.js'
import { INCIDENT_WINDOW_MS, type RecentOpen, groupsOf, isIncident, membersNear } from './incidents.js'
import type { AlertChanges, AlertFilter, AlertRecord, AlertStore, IncidentRecord, SilenceRecord } from './model.js'
import { OpenAlerts } from './open-alerts.js'
import { type MetricRules, RuleIndex } from './rule-index.js'
import { type CameraFacts, OFFLINE_RULE_ID, type Rule, inScope } from './rules.js'
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
/** After a failed commit, the changes go again this soon if no other step commits first. */
const COMMIT_RETRY_MS = 1000
/**
 * An open incident's `incident` event, when cameras join it, goes out at most this often: the
 * event carries every member, and thirty cameras going offline one by one are thirty steps.
 */
const INCIDENT_EVENT_EVERY_MS = 1000

/**
 * A camera's live evaluation states: by rule id, and the same objects laid out in the order of
 * the camera's checks, which the hot path walks by position instead of looking each rule up.
 */
interface CameraLive {
  readonly byRule: Map<string, EvalState>
  /** The checks `slots` is laid out for: a new list (the rules or the camera changed) lays it out again. */
  checks: readonly MetricRules[] | undefined
  slots: Array<EvalState | undefined>
  /** The same layout for the camera's backlogs (reports older than the live state), filled as they come. */
  backlogSlots: Array<BacklogState | undefined>
}

function layOut(live: CameraLive, checks: readonly MetricRules[]): void {
  live.slots = []
  live.backlogSlots = []
  for (const m of checks) for (const c of m.rules) live.slots.push(live.byRule.get(c.id))
  live.checks = checks
}

/** The evaluation of a backlog for one (rule, camera), and when it last got a report. */
interface BacklogState {
  ruleId: string
  cameraId: string
  state: EvalState
  /** Wall-clock time of its last report; an idle backlog is finished. */
  seen: number
  /** Set once it is finished and dropped, so that a camera's slot holding it looks it up again. */
  finished: boolean
}

/**
 * Rules → alerts → incidents, as a stage of the ingest pipeline (on data time) and as a listener
 * of the fleet's status changes (for the clock-based offline rule). All changes go through one
 * queue so that a batch and an offline tick never interleave.
 */
export class AlertEngine implements AfterStoreStage {
  readonly name = 'alerts'
  private readonly rules = new RuleIndex()
  /** Live evaluation state per camera, in data-time order. */
  private readonly live = new Map<string, CameraLive>()
  /** Reports older than the live state (a backlog synced after an outage) run through their own, by (rule, camera). */
  private readonly backlog = new Map<string, BacklogState>()
  private readonly open = new OpenAlerts()
  private readonly openBacklog = new OpenAlerts()
  /**
   * Open alerts whose latest value changed since their row was last written. A value alone is not
   * worth a write: it goes with the alert's next change (resolve, ack, …) or on stop, and reads
   * take open alerts from memory (listAlerts, getAlert). After a crash an open alert shows the
   * value of its last write until its camera's next report.
   */
  private readonly dirtyValues = new Set<AlertRecord>()
  /**
   * What the step under way changed, stored by `commit` at its end in one transaction: alerts
   * and incidents once each however often they changed, and the notifications. A commit that
   * fails puts its changes back here, for the next one.
   */
  private readonly stepAlerts = new Set<AlertRecord>()
  private readonly stepIncidents = new Set<IncidentRecord>()
  private stepNotifications: NewOutboxMessage[] = []
  /** Open incidents that cameras joined since their last `incident` event; published by a timer. */
  private readonly grownIncidents = new Set<IncidentRecord>()
  private incidentTimer: NodeJS.Timeout | undefined
  /** Settles once every commit made so far has settled: reads of stored alerts wait for it. */
  private stored: Promise<void> = Promise.resolve()
  private retry: NodeJS.Timeout | undefined
  private silences: SilenceRecord[] = []
  private readonly incidents = new Map<number, IncidentRecord>()
  private recent: RecentOpen[] = []
  private queue: Promise<unknown> = Promise.resolve()
  private sweeper: NodeJS.Timeout | undefined

  constructor(private readonly o: AlertEngineOptions) {}

  async load(): Promise<void> {
    if (!(await this.o.store.defaultsInstalled())) {
      for (const r of DEFAULT_RULES) await this.o.store.putRule(r, this.o.clock.now())
      await this.o.store.markDefaultsInstalled()
    }
    this.rules.reset(await this.o.store.listRules())
    for (const a of await this.o.store.openAlerts()) {
      this.open.set(a)
      this.liveOf(a.cameraId).byRule.set(a.ruleId, { pendingSince: undefined, open: true, lastTs: a.openedAt })
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
  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch((err: unknown) => this.o.logger.error({ err }, 'alert engine step failed'))
    return run
  }

  // --- queries ----------------------------------------------------------------------------

  allRules(): Rule[] {
    return [...this.rules.all()].sort((a, b) => a.id.localeCompare(b.id))
  }

  rule(id: string): Rule | undefined {
    return this.rules.get(id)
  }

  openAlertsOf(cameraId: string): AlertRecord[] {
    return [...(this.open.ofCamera(cameraId)?.values() ?? []), ...(this.openBacklog.ofCamera(cameraId)?.values() ?? [])]
  }

  /** DESIGN §3: critical or warning alerts firing or acknowledged, silenced or not. Offline has its own status. */
  worstSeverity(cameraId: string): 'critical' | 'warning' | null {
    let worst: 'critical' | 'warning' | null = null
    const alerts = this.open.ofCamera(cameraId)
    if (!alerts) return null
    for (const a of alerts.values()) {
      if (a.ruleId === OFFLINE_RULE_ID) continue
      if (a.severity === 'critical') return 'critical'
      worst = 'warning'
    }
    return worst
  }

  /**
   * Alerts as stored, open ones as held here: their latest value is stored only with their next
   * change. Once the changes made so far are stored, so that an alert that opened is listed.
   */
  async listAlerts(f: AlertFilter): Promise<AlertRecord[]> {
    await this.stored
    return (await this.o.store.listAlerts(f)).map((a) => this.findOpen(a.id) ?? a)
  }

  async getAlert(id: number): Promise<AlertRecord | undefined> {
    const open = this.findOpen(id)
    if (open) return open
    await this.stored
    return this.findOpen(id) ?? (await this.o.store.getAlert(id))
  }

  /** Settles once the changes made so far are stored (or their commit failed). */
  whenStored(): Promise<void> {
    return this.stored
  }

  /** The latest incidents, newest first, once the changes made so far are stored. */
  async listIncidents(limit: number): Promise<IncidentRecord[]> {
    await this.stored
    return this.o.store.listIncidents(limit)
  }

  silencesNow(): SilenceRecord[] {
    return this.silences
  }

  // --- the pipeline stage -----------------------------------------------------------------

  afterStore(batch: StoredBatch): Promise<DomainEvent[]> {
    // Synchronous: the batch's alert changes go to the store (commit) before its events are
    // published, and the acknowledgement waits for neither.
    return this.serial(() => this.evaluateBatch(batch))
  }

  /**
   * The hot path: a pure evaluation over in-memory state for every (report, metric, rule) that
   * meets, which writes only when alerts open or resolve: everything the batch changed, in one
   * commit at its end. A report meets only the rules of its metrics that reach its camera
   * (RuleIndex), and only cameras whose alerts changed have their status derived again (the
   * fleet derived it for the report already).
   */
  private evaluateBatch(batch: StoredBatch): DomainEvent[] {
    const events: DomainEvent[] = []
    const changed = new Set<string>()
    const lateAfterMs = this.o.lateAfter * 1000
    const now = this.o.clock.now()
    for (const r of inDataOrder(batch)) {
      const camera = this.o.fleet.camera(r.cameraId)?.camera
      if (!camera) continue
      const { facts, checks } = this.rules.forCamera(camera)
      const live = this.liveOf(camera.id)
      if (live.checks !== checks) layOut(live, checks)
      const late = batch.receivedAt - r.ts > lateAfterMs
      // The camera's watched metrics looked up in the report, rather than the report's metrics
      // walked: no key list is made per report, and metrics no rule watches cost nothing.
      let slot = 0
      for (const { metric, rules } of checks) {
        const value = r.metrics[metric]
        if (typeof value !== 'number') {
          slot += rules.length
          continue
        }
        for (const check of rules) {
          let state = live.slots[slot]
          if (state === undefined) {
            // A state made since the layout (evaluateCondition) is the same (rule, camera): share it.
            state = live.byRule.get(check.id) ?? initialState()
            live.byRule.set(check.id, (live.slots[slot] = state))
          }
          if (state.lastTs !== undefined && r.ts < state.lastTs) {
            // A backlog meets every (report, rule) of its batches: its state is found through the
            // camera's slots, not by a key made per report.
            let b = live.backlogSlots[slot]
            if (b === undefined || b.finished) live.backlogSlots[slot] = b = this.backlogOf(check.id, camera.id)
            b.seen = now
            slot++
            const t = evaluate(check, b.state, r.ts, value)
            if (t.kind !== 'none') this.transition(check.rule, facts, this.openBacklog, t, true, events, changed)
            continue
          }
          slot++
          const t = evaluate(check, state, r.ts, value)
          if (t.kind === 'none') continue
          if (t.kind === 'update') this.updateValue(this.open.get(check.id, camera.id), t.value)
          else this.transition(check.rule, facts, this.open, t, late, events, changed)
        }
      }
    }
    for (const id of changed) {
      const change = this.o.fleet.reevaluate(id)
      if (change) events.push(change)
    }
    void this.commit()
    return events
  }

  private liveOf(cameraId: string): CameraLive {
    let states = this.live.get(cameraId)
    if (!states) this.live.set(cameraId, (states = { byRule: new Map(), checks: undefined, slots: [], backlogSlots: [] }))
    return states
  }

  private backlogOf(ruleId: string, cameraId: string): BacklogState {
    const k = key(ruleId, cameraId)
    let b = this.backlog.get(k)
    if (!b) this.backlog.set(k, (b = { ruleId, cameraId, state: initialState(), seen: 0, finished: false }))
    return b
  }

  private facts(cameraId: string): CameraFacts | undefined {
    const c = this.o.fleet.camera(cameraId)?.camera
    return c && { id: c.id, siteId: c.siteId, tags: c.tags }
  }

  private updateValue(alert: AlertRecord | undefined, value: number): void {
    if (alert && alert.value !== value) {
      alert.value = value
      this.dirtyValues.add(alert)
    }
  }

  /** Applies an open or resolve (or an update of a backlog alert); `changed` collects cameras whose alerts changed. */
  private transition(
    rule: Rule,
    cam: CameraFacts,
    openMap: OpenAlerts,
    t: Exclude<Transition, { kind: 'none' }>,
    late: boolean,
    events: DomainEvent[],
    changed: Set<string>,
  ): void {
    if (t.kind === 'open') {
      const alert = this.openAlert(rule, cam, t.ts, t.since, t.value, late, this.incidentToJoin(rule.id, cam))
      openMap.set(alert)
      changed.add(cam.id)
      events.push(this.alertEvent(alert))
      events.push(...this.groupIntoIncident(alert, cam))
    } else if (t.kind === 'update') {
      this.updateValue(openMap.get(rule.id, cam.id), t.value)
    } else {
      const alert = openMap.take(rule.id, cam.id)
      if (!alert) return
      changed.add(cam.id)
      alert.value = t.value
      events.push(...this.resolveAlert(alert, t.ts))
    }
  }

  private openAlert(rule: Rule, cam: CameraFacts, ts: number, since: number, value: number, late: boolean, incidentId: number | null): AlertRecord {
    const now = this.o.clock.now()
    const alert: AlertRecord = {
      id: this.o.store.nextAlertId(),
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
      incidentId,
      updatedAt: now,
    }
    this.stepAlerts.add(alert)
    // Late alerts are history, not news; silenced ones are muted by definition.
    if (!alert.silenced && !alert.late) this.notify(this.o.notifications.alertOpened(alert, rule))
    return alert
  }

  private resolveAlert(alert: AlertRecord, ts: number): DomainEvent[] {
    alert.state = 'resolved'
    alert.resolvedAt = ts
    alert.updatedAt = this.o.clock.now()
    this.stepAlerts.add(alert)
    const events = [this.alertEvent(alert)]
    if (!alert.silenced && !alert.late && alert.incidentId === null) this.notify(this.o.notifications.alertResolved(alert))
    if (alert.incidentId !== null) events.push(...this.maybeResolveIncident(alert.incidentId, ts))
    return events
  }

  private notify(messages: readonly NewOutboxMessage[]): void {
    for (const m of messages) this.stepNotifications.push(m)
  }

  /**
   * Ends a step: sends what it changed to the store as one transaction (AlertStore.commit). The
   * writer thread commits it in order with the writes sent after it, the step's events among
   * them: an event reaches the event log, and consoles, only with or after the alerts,
   * incidents and notifications it tells of. Ingest does not wait for it; reads of stored
   * alerts do (`stored`). A commit that fails is logged and its changes go again with the next
   * one (or after COMMIT_RETRY_MS); the promise answered rejects, for callers that answer a
   * request.
   */
  private commit(): Promise<void> {
    if (this.stepAlerts.size === 0 && this.stepIncidents.size === 0 && this.stepNotifications.length === 0) return this.stored
    const changes: AlertChanges = { alerts: [...this.stepAlerts], incidents: [...this.stepIncidents], notifications: this.stepNotifications }
    for (const a of changes.alerts) this.dirtyValues.delete(a)
    this.stepAlerts.clear()
    this.stepIncidents.clear()
    this.stepNotifications = []
    const attempt = this.o.store.commit(changes)
    const settled = attempt.catch((err: unknown) => this.commitFailed(changes, err))
    this.stored = Promise.all([this.stored, settled]).then(() => undefined)
    return attempt
  }

  private commitFailed(changes: AlertChanges, err: unknown): void {
    this.o.logger.error(
      { err, alerts: changes.alerts.length, incidents: changes.incidents.length, notifications: changes.notifications.length },
      'alert changes were not stored; they go again with the next commit',
    )
    // Rows are stored whole (upserts), so a later commit of the same alert carries its latest state.
    for (const a of changes.alerts) this.stepAlerts.add(a)
    for (const i of changes.incidents) this.stepIncidents.add(i)
    this.stepNotifications = [...changes.notifications, ...this.stepNotifications]
    this.retry ??= setTimeout(() => {
      this.retry = undefined
      void this.serial(() => this.commit().catch(() => undefined))
    }, COMMIT_RETRY_MS)
    this.retry.unref()
  }

  private alertEvent(a: AlertRecord): DomainEvent {
    return { topic: 'alert', cameraId: a.cameraId, siteId: a.siteId, ts: a.resolvedAt ?? a.openedAt, data: alertView(a) }
  }

  /**
   * A backlog that stopped arriving is over: the live state owns the present, so an alert the
   * backlog left open ends at the backlog's last data time.
   */
  start(idleMs = BACKLOG_IDLE_MS): void {
    this.sweeper = setInterval(() => void this.finishIdleBacklogs(idleMs), Math.min(idleMs, 30_000))
    this.sweeper.unref()
  }

  /** Stops the sweeper and writes the latest values of open alerts; call before the store closes. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper)
    // A failed write is logged by serial(); the server's shutdown goes on regardless.
    await this.serial(async () => {
      if (this.incidentTimer) clearTimeout(this.incidentTimer)
      this.publishGrownIncidents()
      for (const a of this.dirtyValues) this.stepAlerts.add(a)
      await this.commit().catch(() => undefined)
      // Every commit made so far has settled; what failed is logged, and nothing retries once the store closes.
      await this.stored
      if (this.retry) clearTimeout(this.retry)
      this.retry = undefined
    }).catch(() => undefined)
  }

  finishIdleBacklogs(idleMs = BACKLOG_IDLE_MS): Promise<void> {
    return this.serial(() => this.finishIdle(idleMs))
  }

  private finishIdle(idleMs: number): void {
    const now = this.o.clock.now()
    const events: DomainEvent[] = []
    for (const [k, b] of this.backlog) {
      if (now - b.seen < idleMs) continue
      this.backlog.delete(k)
      b.finished = true
      const alert = this.openBacklog.take(b.ruleId, b.cameraId)
      if (!alert) continue
      events.push(...this.resolveAlert(alert, b.state.lastTs ?? alert.openedAt))
    }
    void this.commit()
    this.o.events.publish(events)
  }

  // --- offline (clock) --------------------------------------------------------------------

  private onStatus(change: StatusChange): void {
    const rule = this.rules.get(OFFLINE_RULE_ID)
    const cam = this.facts(change.cameraId)
    if (!cam) return
    const events: DomainEvent[] = []
    if (change.status === 'offline' && rule && inScope(rule.scope, cam) && !this.open.has(OFFLINE_RULE_ID, cam.id)) {
      const alert = this.openAlert(rule, cam, change.ts, change.ts, 1, false, this.incidentToJoin(rule.id, cam))
      this.open.set(alert)
      events.push(this.alertEvent(alert), ...this.groupIntoIncident(alert, cam))
    } else if (change.previous === 'offline' && change.status !== 'offline') {
      const alert = this.open.take(OFFLINE_RULE_ID, cam.id)
      if (alert) {
        alert.value = 0
        events.push(...this.resolveAlert(alert, change.ts))
      }
    }
    void this.commit()
    this.o.events.publish(events)
  }

  // --- incidents --------------------------------------------------------------------------

  private groupIntoIncident(alert: AlertRecord, cam: CameraFacts): DomainEvent[] {
    const groups = groupsOf(cam.siteId, cam.tags)
    this.recent = this.recent.filter((o) => Math.abs(o.ts - alert.openedAt) <= 2 * INCIDENT_WINDOW_MS)
    this.recent.push({ alertId: alert.id, ruleId: alert.ruleId, cameraId: cam.id, groups, ts: alert.openedAt })
    for (const group of groups) {
      const existing = this.openIncident(group, alert.ruleId)
      if (existing) {
        if (!existing.cameras.includes(cam.id)) {
          existing.cameras.push(cam.id)
          this.stepIncidents.add(existing)
          this.incidentGrew(existing)
        }
        if (alert.incidentId !== existing.id) this.attach(alert, existing.id)
        // The alert's own event names the incident; the incident's event follows within a second.
        return []
      }
      const members = membersNear(this.recent, alert.ruleId, group, alert.openedAt)
      if (!isIncident(members.length, this.groupSize(group))) continue
      const created: IncidentRecord = {
        id: this.o.store.nextIncidentId(),
        siteId: cam.siteId,
        ruleId: alert.ruleId,
        group,
        state: 'open',
        cameras: members.map((m) => m.cameraId),
        openedAt: Math.min(...members.map((m) => m.ts)),
        resolvedAt: null,
      }
      this.stepIncidents.add(created)
      this.incidents.set(created.id, created)
      const events: DomainEvent[] = []
      for (const m of members) {
        const member = this.findOpen(m.alertId)
        if (member) {
          this.attach(member, created.id)
          events.push(this.alertEvent(member))
        }
      }
      this.notify(this.o.notifications.incidentOpened(created))
      return [this.incidentEvent(created), ...events]
    }
    return []
  }

  private openIncident(group: string, ruleId: string): IncidentRecord | undefined {
    for (const i of this.incidents.values()) if (i.group === group && i.ruleId === ruleId && i.state === 'open') return i
    return undefined
  }

  /**
   * The incident a new alert will join when its site already has one open on the rule (the first
   * group groupIntoIncident looks at), so that the alert is stored with it rather than updated.
   */
  private incidentToJoin(ruleId: string, cam: CameraFacts): number | null {
    return this.openIncident(groupsOf(cam.siteId, [])[0] as string, ruleId)?.id ?? null
  }

  private attach(alert: AlertRecord, incidentId: number): void {
    alert.incidentId = incidentId
    this.stepAlerts.add(alert)
  }

  private findOpen(alertId: number): AlertRecord | undefined {
    return this.open.byId(alertId) ?? this.openBacklog.byId(alertId)
  }

  private groupSize(group: string): number {
    let n = 0
    for (const s of this.o.fleet.allCameras()) {
      const c = s.camera
      if (group.startsWith('site:') ? `site:${c.siteId}` === group : c.tags.includes(group)) n++
    }
    return n
  }

  private maybeResolveIncident(id: number, ts: number): DomainEvent[] {
    const incident = this.incidents.get(id)
    if (!incident) return []
    const stillOpen = [...this.open.values(), ...this.openBacklog.values()].some((a) => a.incidentId === id)
    if (stillOpen) return []
    incident.state = 'resolved'
    incident.resolvedAt = ts
    this.incidents.delete(id)
    // Its resolved event carries the members: an update still waiting would come after it.
    this.grownIncidents.delete(incident)
    this.stepIncidents.add(incident)
    this.notify(this.o.notifications.incidentResolved(incident))
    return [this.incidentEvent(incident)]
  }

  private incidentGrew(incident: IncidentRecord): void {
    this.grownIncidents.add(incident)
    if (this.incidentTimer) return
    this.incidentTimer = setTimeout(() => void this.serial(() => this.publishGrownIncidents()), INCIDENT_EVENT_EVERY_MS)
    this.incidentTimer.unref()
  }

  /** One `incident` event per open incident that grew since its last one, with all its members now. */
  private publishGrownIncidents(): void {
    this.incidentTimer = undefined
    const events = [...this.grownIncidents].filter((i) => i.state === 'open').map((i) => this.incidentEvent(i))
    this.grownIncidents.clear()
    if (events.length > 0) this.o.events.publish(events)
  }

  private incidentEvent(i: IncidentRecord): DomainEvent {
    // A copy of the members: the record grows on, and an event says what was true when it was made.
    return { topic: 'incident', cameraId: null, siteId: i.siteId, ts: i.resolvedAt ?? i.openedAt, data: incidentView({ ...i, cameras: [...i.cameras] }) }
  }

  // --- silences ---------------------------------------------------------------------------

  private isSilenced(cam: CameraFacts, dataTs: number, now: number): boolean {
    return this.silences.some((s) => covers(s, cam, dataTs, now))
  }

  /** Re-marks open alerts after silences changed; returns the alert events. */
  private remarkSilences(): DomainEvent[] {
    const now = this.o.clock.now()
    const events: DomainEvent[] = []
    for (const a of [...this.open.values(), ...this.openBacklog.values()]) {
      const cam = this.facts(a.cameraId)
      if (!cam) continue
      const silenced = this.isSilenced(cam, a.openedAt, now)
      if (silenced !== a.silenced) {
        a.silenced = silenced
        a.updatedAt = now
        this.stepAlerts.add(a)
        events.push(this.alertEvent(a))
      }
    }
    return events
  }

  // --- changes through the API ------------------------------------------------------------

  /** For a request: the change is stored before the answer, and its events follow it to the writer. */
  private async commitAndPublish(events: DomainEvent[]): Promise<void> {
    const stored = this.commit()
    this.o.events.publish(events)
    await stored
  }

  putRule(rule: Rule): Promise<boolean> {
    return this.serial(async () => {
      const created = await this.o.store.putRule(rule, this.o.clock.now())
      // A changed rule starts counting `for` afresh; its open alerts stay until their value clears.
      for (const { byRule } of this.live.values()) if (byRule.get(rule.id)?.open === false) byRule.delete(rule.id)
      this.rules.reset([...this.rules.all()].filter((r) => r.id !== rule.id).concat(rule))
      return created
    })
  }

  deleteRule(id: string): Promise<boolean> {
    return this.serial(async () => {
      if (!(await this.o.store.deleteRule(id))) return false
      this.rules.reset([...this.rules.all()].filter((r) => r.id !== id))
      const events: DomainEvent[] = []
      const now = this.o.clock.now()
      for (const map of [this.open, this.openBacklog]) {
        for (const a of [...map.values()]) {
          if (a.ruleId !== id) continue
          map.take(a.ruleId, a.cameraId)
          events.push(...this.resolveAlert(a, now))
          const change = this.o.fleet.reevaluate(a.cameraId)
          if (change) events.push(change)
        }
      }
      for (const { byRule } of this.live.values()) byRule.delete(id)
      await this.commitAndPublish(events)
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
        this.stepAlerts.add(a)
        events.push(this.alertEvent(a))
      }
      await this.commitAndPublish(events)
    })
  }

  acknowledge(id: number, by: string, note: string | null): Promise<AlertRecord | undefined> {
    return this.serial(async () => {
      const alert = this.findOpen(id)
      if (!alert) return undefined
      alert.state = 'acknowledged'
      alert.ack = { by, at: this.o.clock.now(), note }
      alert.updatedAt = this.o.clock.now()
      this.stepAlerts.add(alert)
      await this.commitAndPublish([this.alertEvent(alert)])
      return alert
    })
  }

  addSilence(s: Omit<SilenceRecord, 'id'>): Promise<SilenceRecord> {
    return this.serial(async () => {
      const silence = { ...s, id: await this.o.store.insertSilence(s) }
      this.silences.push(silence)
      await this.commitAndPublish(this.remarkSilences())
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

  /**
   * A built-in rule decided outside the per-metric path (retention_policy, whose range depends on
   * each camera's policy): the condition `breaching` at data time `ts`, `value` the reading the
   * alert shows. The rule's `for`, scope, silences, incidents and notifications apply as usual;
   * nothing happens when the rule was deleted. Answers the events for the caller to publish.
   */
  evaluateCondition(ruleId: string, cameraId: string, c: { ts: number; breaching: boolean; value: number; late: boolean }): Promise<DomainEvent[]> {
    return this.serial(async () => {
      const rule = this.rules.get(ruleId)
      const cam = this.facts(cameraId)
      if (!rule || !cam) return []
      const live = this.liveOf(cam.id).byRule
      let state = live.get(rule.id)
      if (state === undefined) live.set(rule.id, (state = initialState()))
      // Older than what was judged already: the present owns this alert.
      if (state.lastTs !== undefined && c.ts < state.lastTs) return []
      const events: DomainEvent[] = []
      const changed = new Set<string>()
      const t = evaluate({ op: '==', value: 1, for: rule.for }, state, c.ts, inScope(rule.scope, cam) && c.breaching ? 1 : 0)
      if (t.kind !== 'none') this.transition(rule, cam, this.open, { ...t, value: c.value }, c.late, events, changed)
      for (const id of changed) {
        const change = this.o.fleet.reevaluate(id)
        if (change) events.push(change)
      }
      void this.commit()
      return events
    })
  }
}

/** The batch's new reports in data-time order per camera (cameras in id order), whatever order they came in. */
function inDataOrder(batch: StoredBatch): Report[] {
  const reports: Report[] = []
  let sorted = true
  batch.reports.forEach((r, i) => {
    if (batch.outcomes[i]?.duplicate) return
    const prev = reports.at(-1)
    if (prev && byCameraThenTs(prev, r) > 0) sorted = false
    reports.push(r)
  })
  // Sorting is stable, so a batch already in order (the usual case) needs no sort.
  return sorted ? reports : reports.sort(byCameraThenTs)
}

function byCameraThenTs(a: Report, b: Report): number {
  return a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : a.ts - b.ts
}

/** DESIGN §5: a silence covers an alert when the alert's data time or the present is in its window. */
export function covers(s: SilenceRecord, cam: CameraFacts, dataTs: number, now: number): boolean {
  if (!inScope(s.scope, cam)) return false
  const end = s.endedAt === null ? s.to : Math.min(s.to, s.endedAt)
  return (dataTs >= s.from && dataTs < end) || (now >= s.from && now < end)
}
