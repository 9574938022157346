import type { AlertEngine } from '../alerts/engine.js'
import { type CameraFacts, RETENTION_RULE_ID } from '../alerts/rules.js'
import type { Fleet } from '../fleet/fleet.js'
import type { AfterStoreStage, StoredBatch } from '../ingest/pipeline.js'
import type { DomainEvent, EventSink } from '../stream/events.js'
import { type PolicyBook, outsidePolicy } from './policies.js'
import type { PurgeRequests } from './purge.js'

/** An open retention alert clears only once `retention_days` is this far back inside the range. */
export const RETENTION_HYSTERESIS_DAYS = 0.5

export interface RetentionCheckerOptions {
  engine: Pick<AlertEngine, 'evaluateCondition' | 'openAlertsOf'>
  fleet: Fleet
  policies: PolicyBook
  /** Undefined when no purge endpoint is configured. */
  purge: PurgeRequests | undefined
  events: EventSink
  /** Seconds after which a report is late (CAMTEL_LATE_AFTER). */
  lateAfter: number
}

/**
 * The built-in rule `retention_policy` (DESIGN §7): each camera's `retention_days` against the
 * policy that governs it, judged as reports arrive (a pipeline stage after the alert engine) and
 * again for every camera when the policies change; footage past `maxDays` is sent for purging.
 */
export class RetentionChecker implements AfterStoreStage {
  readonly name = 'retention'
  /** Data time judged last per camera: older reports (a backlog) do not judge the present. */
  private readonly judged = new Map<string, number>()
  /** Cameras judged outside their policy last time: their next judgement must reach the engine. */
  private readonly breaching = new Set<string>()

  constructor(private readonly o: RetentionCheckerOptions) {}

  async afterStore(batch: StoredBatch): Promise<DomainEvent[]> {
    // The newest retention_days of each camera in the batch decides.
    const newest = new Map<string, { ts: number; days: number }>()
    batch.reports.forEach((r, i) => {
      const days = r.metrics.retention_days
      if (typeof days !== 'number' || batch.outcomes[i]?.duplicate) return
      const seen = newest.get(r.cameraId)
      if (!seen || r.ts >= seen.ts) newest.set(r.cameraId, { ts: r.ts, days })
    })
    const events: DomainEvent[] = []
    for (const [cameraId, { ts, days }] of newest) {
      events.push(...(await this.judge(cameraId, ts, days, batch.receivedAt - ts > this.o.lateAfter * 1000)))
    }
    return events
  }

  /** Judges every camera's latest retention_days again (the policies changed); publishes the events. */
  async recheckAll(): Promise<void> {
    const events: DomainEvent[] = []
    for (const s of this.o.fleet.allCameras()) {
      const latest = s.metrics.retention_days
      if (latest !== undefined) events.push(...(await this.judge(s.camera.id, latest.ts, latest.value, false)))
    }
    this.o.events.publish(events)
  }

  private async judge(cameraId: string, ts: number, days: number, late: boolean): Promise<DomainEvent[]> {
    const camera = this.o.fleet.camera(cameraId)?.camera
    if (!camera) return []
    const last = this.judged.get(cameraId)
    if (last !== undefined && ts < last) return []
    this.judged.set(cameraId, ts)
    const facts: CameraFacts = { id: camera.id, siteId: camera.siteId, tags: camera.tags }
    const policy = this.o.policies.forCamera(facts)
    const open = this.o.engine.openAlertsOf(cameraId).some((a) => a.ruleId === RETENTION_RULE_ID)
    const breaching = policy !== undefined && outsidePolicy(policy, days, open ? RETENTION_HYSTERESIS_DAYS : 0)
    // Within range, nothing open and nothing pending: the engine has nothing to do (the usual case,
    // and every report of a camera carries retention_days).
    let events: DomainEvent[] = []
    if (breaching || open || this.breaching.has(cameraId)) {
      events = await this.o.engine.evaluateCondition(RETENTION_RULE_ID, cameraId, { ts, breaching, value: days, late })
    }
    if (breaching) this.breaching.add(cameraId)
    else this.breaching.delete(cameraId)
    if (this.o.purge && policy?.maxDays != null && days > policy.maxDays) {
      await this.o.purge.request({ cameraId, siteId: camera.siteId, policyId: policy.id, maxDays: policy.maxDays, retentionDays: days, dataTime: ts })
    }
    return events
  }
}
