import type { NewOutboxMessage } from '../notify/model.js'
import type { WorkOrderState, WorkOrderSubject } from '../protocol/workorders.js'

/** A maintenance ticket as stored (DESIGN §7); the wire form is made from it by `workOrderView`. */
export interface WorkOrderRecord extends WorkOrderSubject {
  id: string
  /** The diagnostic context sent with the ticket. */
  context: unknown
  /** Alerts that made or joined the ticket, oldest first. */
  alertIds: number[]
  state: WorkOrderState
  note: string | null
  externalId: string | null
  url: string | null
  createdAt: number
  updatedAt: number
  /** When it reached a final state (resolved, closed); null while it is open. */
  closedAt: number | null
  delivery: { deliveredAt: number | null; attempts: number; lastError: string | null }
}

/**
 * A ticket to open for what `source` names: `alert:<id>`, or `prediction:<camera>:<mode>:<raisedAt>`.
 * A source makes at most one ticket, ever, and joins the open ticket of its (camera, problem)
 * when there is one.
 */
export interface NewWorkOrder extends WorkOrderSubject {
  id: string
  source: string
  context: unknown
  alertId: number | null
  createdAt: number
  /** The delivery to the work-order system, queued in the same transaction as the ticket. */
  message: NewOutboxMessage
}

export interface WorkOrderFilter {
  /** The caller's sites; null = all. */
  siteIds: readonly string[] | null
  state?: WorkOrderState
  active?: boolean
  camera?: string
  problem?: string
  alertId?: number
  limit: number
}

export interface StatusChange {
  state: WorkOrderState
  /** undefined keeps what the ticket has; null clears it. */
  note?: string | null
  externalId?: string | null
  url?: string | null
}

export type StatusOutcome =
  | { kind: 'updated'; workOrder: WorkOrderRecord }
  | { kind: 'not_found' }
  /** A closed ticket cannot be reopened while another ticket of its (camera, problem) is open. */
  | { kind: 'superseded'; by: string }

/** Persistence of tickets, in the same database as the outbox that delivers them. */
export interface WorkOrderStore {
  /**
   * In one transaction: nothing when the source is known already (`known`); the source joins the
   * open ticket of its (camera, problem) when there is one (`joined`); else the ticket is stored
   * and its delivery queued in the outbox (`created`). At most one ticket per (camera, problem) is
   * open at any time, whoever asks.
   */
  open(w: NewWorkOrder): Promise<{ outcome: 'created' | 'joined' | 'known'; workOrder: WorkOrderRecord | undefined }>
  /** Whether a source made or joined a ticket already. */
  hasSource(source: string): Promise<boolean>
  get(id: string): Promise<WorkOrderRecord | undefined>
  /** Newest first. */
  list(f: WorkOrderFilter): Promise<WorkOrderRecord[]>
  /** The latest ticket each of these alerts made or joined. */
  ofAlerts(alertIds: readonly number[]): Promise<Map<number, WorkOrderRecord>>
  /** A state reported by the work-order system; a final state closes the ticket, another reopens it. */
  setStatus(id: string, change: StatusChange, now: number): Promise<StatusOutcome>
}
