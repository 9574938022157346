import type { WorkOrderState } from '../protocol/workorders.js'

export type { AlertWorkOrder, WorkOrderDelivery, WorkOrderState, WorkOrderView as WorkOrder } from '../protocol/workorders.js'

/** `GET /api/v1/workorders` filters (DESIGN §7). */
export interface WorkOrderQuery {
  state?: WorkOrderState
  /** true: tickets not yet resolved or closed; false: those that are. */
  active?: boolean
  site?: string
  camera?: string
  problem?: string
  /** The ticket this alert made or joined. */
  alert?: number
  limit?: number
}

/** What a work-order system reports back (`POST /api/v1/workorders/:id/status`). */
export interface WorkOrderStatusInput {
  state: WorkOrderState
  note?: string | null
  externalId?: string | null
  url?: string | null
}
