import type { NewOutboxMessage } from '../notify/model.js'
import type { Rule, Scope, Severity } from './rules.js'

export type AlertState = 'firing' | 'acknowledged' | 'resolved'

/** An alert as stored; the wire form (DESIGN §5) is made from it by `alertView`. */
export interface AlertRecord {
  id: number
  ruleId: string
  cameraId: string
  siteId: string
  severity: Severity
  state: AlertState
  silenced: boolean
  late: boolean
  /** Latest value seen while open. */
  value: number
  /** Data time the alert opened at. */
  openedAt: number
  /** Data time the condition started holding (openedAt minus the rule's `for`, or so). */
  since: number
  resolvedAt: number | null
  ack: { by: string; at: number; note: string | null } | null
  incidentId: number | null
  /** When the alert last changed (opened, a new value, acknowledged, silenced, resolved). */
  updatedAt: number
}

export interface SilenceRecord {
  id: number
  scope: Scope
  from: number
  to: number
  reason: string
  createdBy: string
  createdAt: number
  endedAt: number | null
}

export interface IncidentRecord {
  id: number
  siteId: string
  ruleId: string
  /** What groups the members: `site:<id>`, or a camera tag such as `switch:sw-1` / `uplink:…`. */
  group: string
  state: 'open' | 'resolved'
  cameras: string[]
  openedAt: number
  resolvedAt: number | null
}

export interface AlertFilter {
  state?: AlertState | 'open'
  siteIds?: readonly string[] | null
  camera?: string
  severity?: Severity
  limit: number
}

/**
 * What one step of the alert engine changed (a batch evaluated, an offline tick, an ack …),
 * stored together by `AlertStore.commit`: alerts and incidents as they are now, new ones
 * (with ids from `nextAlertId` / `nextIncidentId`) and changed ones alike, and the
 * notifications the step queues.
 */
export interface AlertChanges {
  alerts: readonly AlertRecord[]
  incidents: readonly IncidentRecord[]
  notifications: readonly NewOutboxMessage[]
}

/** Persistence of rules, alerts, silences and incidents. */
export interface AlertStore {
  listRules(): Promise<Rule[]>
  putRule(rule: Rule, now: number): Promise<boolean>
  deleteRule(id: string): Promise<boolean>
  /** Whether the default rules were installed once (deleting one must not bring it back). */
  defaultsInstalled(): Promise<boolean>
  markDefaultsInstalled(): Promise<void>

  /** An id for a new alert, stored by the `commit` that inserts it; never handed out twice. */
  nextAlertId(): number
  nextIncidentId(): number
  /**
   * Stores a step's changes in one transaction, all or none of them: no notification is queued
   * without the alerts and incidents it tells of, nor any of them without the others.
   */
  commit(changes: AlertChanges): Promise<void>
  /** One new alert on its own; answers its id. */
  insertAlert(a: Omit<AlertRecord, 'id'>): Promise<number>
  getAlert(id: number): Promise<AlertRecord | undefined>
  listAlerts(f: AlertFilter): Promise<AlertRecord[]>
  openAlerts(): Promise<AlertRecord[]>

  insertSilence(s: Omit<SilenceRecord, 'id'>): Promise<number>
  listSilences(): Promise<SilenceRecord[]>
  endSilence(id: number, now: number): Promise<boolean>

  listIncidents(limit: number): Promise<IncidentRecord[]>
}
