import './alerts.css'
import { memo } from 'preact/compat'
import type { Alert, CameraListItem, Rule, Site } from '../../api/camtel.js'
import type { WorkOrder } from '../../api/use-work-orders.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { useNow } from '../../ui/use-now.js'
import { VirtualList } from '../../ui/VirtualList.js'
import { WorkOrderBadge } from '../maintenance/index.js'
import { pageConfig } from '../../api/page-config.js'
import { alertValueText, describeRule } from './rules.js'

const ROW_HEIGHT = 56

export interface AlertTableProps {
  alerts: readonly Alert[]
  rules: ReadonlyMap<string, Rule>
  cameras: ReadonlyMap<string, CameraListItem>
  sites: ReadonlyMap<string, Site>
  /** The ticket each alert made or joined (docs/workorders.md). */
  workOrders: ReadonlyMap<number, WorkOrder>
  /** Absent for viewers: no action buttons. */
  onAck?: (a: Alert) => void
  onSilence?: (a: Alert) => void
  empty: string
}

/** Alerts as rows of fixed height, virtualised: a site-wide outage can open thousands. */
export function AlertTable(p: AlertTableProps) {
  const now = useNow(5000)
  // Without a work-order system, and no ticket from when there was one, the column would say nothing.
  const withWorkOrders = pageConfig().workOrders || p.workOrders.size > 0
  return (
    <div class={`alert-table${withWorkOrders ? '' : ' no-workorders'}`} role="table" aria-label="Alerts" aria-rowcount={p.alerts.length + 1}>
      <div class="arow ahead" role="row" aria-rowindex={1}>
        <div role="columnheader">Severity</div>
        <div role="columnheader">Camera</div>
        <div role="columnheader">Rule · value</div>
        <div role="columnheader">Opened</div>
        <div role="columnheader">Acknowledged</div>
        {withWorkOrders && <div role="columnheader">Work order</div>}
        <div role="columnheader" class="actions-col" />
      </div>
      {p.alerts.length === 0 ? (
        <p class="empty">{p.empty}</p>
      ) : (
        <VirtualList
          count={p.alerts.length}
          rowHeight={ROW_HEIGHT}
          label="Alert rows"
          renderRow={(i) => {
            const a = p.alerts[i] as Alert
            return (
              <AlertRow
                alert={a}
                rule={p.rules.get(a.ruleId)}
                camera={p.cameras.get(a.cameraId)}
                site={p.sites.get(p.cameras.get(a.cameraId)?.siteId ?? a.siteId)}
                workOrder={p.workOrders.get(a.id)}
                withWorkOrders={withWorkOrders}
                now={now}
                onAck={p.onAck}
                onSilence={p.onSilence}
              />
            )
          }}
        />
      )}
    </div>
  )
}

interface RowProps {
  alert: Alert
  rule: Rule | undefined
  camera: CameraListItem | undefined
  site: Site | undefined
  workOrder: WorkOrder | undefined
  withWorkOrders: boolean
  now: number
  onAck?: (a: Alert) => void
  onSilence?: (a: Alert) => void
}

const AlertRow = memo(function AlertRow({ alert: a, rule, camera, site, workOrder, withWorkOrders, now, onAck, onSilence }: RowProps) {
  const open = a.state !== 'resolved'
  const end = a.resolvedAt ? Date.parse(a.resolvedAt) : now
  const value = alertValueText(a, rule)
  return (
    <div class={`arow sev-${a.severity} state-${a.state}`} data-alert-id={a.id} data-state={a.state}>
      <div role="cell" class="sev-cell">
        <span class={`sev sev-${a.severity}`}>{a.severity}</span>
        <span class="state">
          {a.state}
          {a.silenced && <span class="flag" title="Silenced: recorded, nobody notified">silenced</span>}
          {a.late && <span class="flag" title="Opened by a report that arrived late: history, not news">late</span>}
        </span>
      </div>
      <div role="cell" class="two-line">
        <Link href={paths.camera(a.cameraId)}>{camera?.name ?? a.cameraId}</Link>
        <span class="muted">{site?.name ?? a.siteId}</span>
      </div>
      <div role="cell" class="two-line">
        <span>
          <span class="rule-id">{a.ruleId}</span>
          {value && <span class="value tabular"> · {value}</span>}
        </span>
        <span class="muted ellipsis">{describeRule(rule, a.ruleId)}</span>
      </div>
      <div role="cell" class="two-line tabular" title={formatDateTime(a.openedAt)}>
        <span>{formatAgo(a.openedAt, now)}</span>
        <span class="muted">{open ? `open ${formatDuration(end - Date.parse(a.openedAt))}` : `lasted ${formatDuration(end - Date.parse(a.openedAt))}`}</span>
      </div>
      <div role="cell" class="two-line">
        {a.ack ? (
          <>
            <span class="ellipsis" title={a.ack.by}>
              {a.ack.by.replace(/^[a-z-]+:/, '')} · {formatAgo(a.ack.at, now)}
            </span>
            <span class="muted ellipsis" title={a.ack.note ?? ''}>
              {a.ack.note ?? 'no note'}
            </span>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </div>
      {withWorkOrders && (
        <div role="cell" class="two-line">
          {workOrder ? (
            <>
              <span>
                <WorkOrderBadge workOrder={workOrder} />
              </span>
              <span class="muted ellipsis" title={workOrder.note ?? workOrder.id}>
                {workOrder.externalId ??
                  workOrder.note ??
                  (workOrder.delivery.deliveredAt ? `sent ${formatAgo(workOrder.delivery.deliveredAt, now)}` : 'not sent yet')}
              </span>
            </>
          ) : (
            <span class="muted">—</span>
          )}
        </div>
      )}
      <div role="cell" class="actions-col">
        {onAck && a.state === 'firing' && (
          <button type="button" class="btn btn-primary" onClick={() => onAck(a)}>
            Acknowledge
          </button>
        )}
        {onSilence && open && !a.silenced && (
          <button type="button" class="btn" onClick={() => onSilence(a)}>
            Silence…
          </button>
        )}
      </div>
    </div>
  )
})
