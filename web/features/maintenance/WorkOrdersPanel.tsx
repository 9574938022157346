import type { CameraListItem, Site } from '../../api/camtel.js'
import type { WorkOrder } from '../../api/use-work-orders.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { Panel } from '../../ui/Panel.js'
import { modeLabel } from './modes.js'
import { WorkOrderBadge, isClosed } from './WorkOrderBadge.js'

/** Closed tickets shown under the open ones. */
const RECENT_CLOSED = 20

interface Props {
  workOrders: readonly WorkOrder[]
  error: string | undefined
  cameras: ReadonlyMap<string, CameraListItem>
  sites: ReadonlyMap<string, Site>
  now: number
}

/** The maintenance tickets sent to the work-order system: open ones first, then the latest closed. */
export function WorkOrdersPanel({ workOrders, error, cameras, sites, now }: Props) {
  const open = workOrders.filter((w) => !isClosed(w))
  const closed = workOrders.filter(isClosed).slice(0, RECENT_CLOSED)
  return (
    <Panel title="Work orders" class="workorders-panel" fill actions={<span class="muted" data-testid="open-workorders">{open.length} open</span>}>
      {error && <p class="form-error">{error}</p>}
      {workOrders.length === 0 ? (
        <p class="empty">
          No work order. A critical alert or a raised prediction opens one in the work-order system when <code>CAMTEL_WORKORDER_URL</code> is set.
        </p>
      ) : (
        <ul class="workorders" aria-label="Work orders">
          {[...open, ...closed].map((w) => {
            const camera = cameras.get(w.cameraId)
            return (
              <li key={w.id} class={`workorder sev-${w.severity}${isClosed(w) ? ' closed' : ''}`} data-workorder-id={w.id}>
                <div class="workorder-head">
                  <strong>{w.origin === 'prediction' ? modeLabel(w.problem) : w.problem}</strong>
                  <WorkOrderBadge workOrder={w} />
                </div>
                <div class="small">
                  <Link href={paths.camera(w.cameraId)}>{camera?.name ?? w.cameraId}</Link>
                  <span class="muted"> · {sites.get(w.siteId)?.name ?? w.siteId}</span>
                </div>
                {w.note && <div class="small workorder-note">{w.note}</div>}
                <div class="muted small tabular">
                  <span title={formatDateTime(w.createdAt)}>opened {formatAgo(w.createdAt, now)}</span>
                  {w.updatedAt !== w.createdAt && <span title={formatDateTime(w.updatedAt)}> · updated {formatAgo(w.updatedAt, now)}</span>}
                  {w.externalId && <span> · {w.externalId}</span>}
                  {w.origin === 'alert' ? ' · from an alert' : ' · from a prediction'}
                </div>
              </li>
            )
          })}
        </ul>
      )}
    </Panel>
  )
}
