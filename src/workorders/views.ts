import type { AlertWorkOrder, WorkOrderView } from '../protocol/workorders.js'
import type { WorkOrderRecord } from './model.js'

const iso = (ms: number) => new Date(ms).toISOString()

/** A ticket as REST answers it; with `withContext`, the diagnostic context it was sent with. */
export function workOrderView(w: WorkOrderRecord, withContext = false): WorkOrderView {
  return {
    id: w.id,
    cameraId: w.cameraId,
    siteId: w.siteId,
    problem: w.problem,
    severity: w.severity,
    summary: w.summary,
    origin: w.origin,
    alertIds: w.alertIds,
    state: w.state,
    note: w.note,
    externalId: w.externalId,
    url: w.url,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
    closedAt: w.closedAt === null ? null : iso(w.closedAt),
    delivery: {
      state: w.delivery.deliveredAt === null ? 'pending' : 'delivered',
      attempts: w.delivery.attempts,
      lastError: w.delivery.lastError,
      deliveredAt: w.delivery.deliveredAt === null ? null : iso(w.delivery.deliveredAt),
    },
    ...(withContext ? { context: w.context } : {}),
  }
}

/** The ticket as an alert carries it. */
export function alertWorkOrderView(w: WorkOrderRecord): AlertWorkOrder {
  return { id: w.id, state: w.state, externalId: w.externalId, url: w.url, updatedAt: iso(w.updatedAt) }
}
