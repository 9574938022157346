/**
 * Work orders (DESIGN §7): maintenance tickets made from open critical alerts and raised
 * predictions, one per (camera, problem) while it is open, delivered signed to the configured
 * work-order system through the durable outbox, and their progress reported back.
 */
import { type Config, ConfigError } from '../config/index.js'
import type { Notifier } from '../notify/notifier.js'
import { HeldWorkOrders, WorkOrderNotifier } from './notifier.js'

export type { NewWorkOrder, StatusChange, StatusOutcome, WorkOrderFilter, WorkOrderRecord, WorkOrderStore } from './model.js'
export { HeldWorkOrders, WORKORDER_CHANNEL, WORKORDER_KIND, WorkOrderNotifier } from './notifier.js'
export { type AlertSource, type EventBus, type PredictionSource, WorkOrderService, type WorkOrderServiceOptions } from './service.js'
export { alertWorkOrderView, workOrderView } from './views.js'

/**
 * The outbox dispatcher's notifier for tickets: the work-order system, or, when work orders are
 * off (CAMTEL_WORKORDER_URL unset), one that holds what was queued before (`enabled` false).
 */
export function createWorkOrderNotifier(config: Pick<Config, 'workorderUrl' | 'workorderSecret'>): { notifier: Notifier; enabled: boolean } {
  const url = config.workorderUrl
  if (url === undefined) return { notifier: new HeldWorkOrders(), enabled: false }
  // Tickets send technicians out: the work-order system must be able to tell they came from camtel.
  if (config.workorderSecret === undefined) {
    throw new ConfigError('CAMTEL_WORKORDER_SECRET', 'is required when CAMTEL_WORKORDER_URL is set: work orders are always signed')
  }
  return { notifier: new WorkOrderNotifier({ url, secret: config.workorderSecret }), enabled: true }
}
