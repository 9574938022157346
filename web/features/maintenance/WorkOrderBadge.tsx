import './workorders.css'
import type { Prediction } from '../../api/camtel.js'
import type { WorkOrder } from '../../api/use-work-orders.js'

const STATE_LABEL: Record<string, string> = { open: 'open', acknowledged: 'acknowledged', in_progress: 'in progress', resolved: 'resolved', closed: 'closed' }

export function workOrderStateLabel(state: string): string {
  return STATE_LABEL[state] ?? state.replace(/_/g, ' ')
}

/** Whether the work-order system has closed the ticket (docs/workorders.md). */
export function isClosed(w: Pick<WorkOrder, 'state'>): boolean {
  return w.state === 'resolved' || w.state === 'closed'
}

/** The camera's ticket for a prediction's mode: an open one, or one closed since the prediction was raised (not one of an older raise). */
export function ticketOf(w: WorkOrder | undefined, p: Pick<Prediction, 'raisedAt' | 'asOf'>): WorkOrder | undefined {
  if (!w || w.closedAt === null) return w
  return Date.parse(w.closedAt) >= Date.parse(p.raisedAt ?? p.asOf ?? '') ? w : undefined
}

/** A ticket's state as a small pill, linking to the work-order system when it gave a link. */
export function WorkOrderBadge({ workOrder: w }: { workOrder: WorkOrder }) {
  const pending = w.delivery.state === 'pending'
  const title = [
    `Work order ${w.externalId ?? w.id}: ${workOrderStateLabel(w.state)}`,
    w.note,
    pending ? `not delivered to the work-order system yet (${w.delivery.attempts} attempts${w.delivery.lastError ? `, last: ${w.delivery.lastError}` : ''})` : undefined,
  ]
    .filter(Boolean)
    .join(' — ')
  const text = (
    <>
      <span class="wo-label">ticket</span> {workOrderStateLabel(w.state)}
      {pending && <span class="wo-pending"> · sending</span>}
    </>
  )
  return (
    <span class={`wo-badge wo-${w.state}${pending ? ' wo-undelivered' : ''}`} title={title} data-workorder-id={w.id} data-workorder-state={w.state}>
      {w.url ? (
        <a href={w.url} target="_blank" rel="noopener noreferrer">
          {text}
        </a>
      ) : (
        text
      )}
    </span>
  )
}
