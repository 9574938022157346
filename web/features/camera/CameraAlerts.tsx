import type { Alert, Rule } from '../../api/camtel.js'
import type { WorkOrder } from '../../api/use-work-orders.js'
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js'
import { alertValueText, describeRule } from '../alerts/index.js'
import { WorkOrderBadge } from '../maintenance/index.js'

interface Props {
  alerts: readonly Alert[]
  rules: ReadonlyMap<string, Rule>
  now: number
  onAck?: (a: Alert) => void
  /** The ticket each alert made or joined (docs/workorders.md). */
  workOrders?: ReadonlyMap<number, WorkOrder>
}

/** Recent resolved alerts shown under the open ones. */
const RECENT = 8

/** The camera's open alerts, then its recent resolved ones. */
export function CameraAlerts({ alerts, rules, now, onAck, workOrders }: Props) {
  const open = alerts.filter((a) => a.state !== 'resolved')
  const recent = alerts.filter((a) => a.state === 'resolved').slice(0, RECENT)
  return (
    <div class="camera-alerts">
      {open.length === 0 && <p class="ok-note">No open alert.</p>}
      <ul class="alert-items">
        {[...open, ...recent].map((a) => {
          const rule = rules.get(a.ruleId)
          const value = alertValueText(a, rule)
          const end = a.resolvedAt ? Date.parse(a.resolvedAt) : now
          return (
            <li key={a.id} class={`alert-item state-${a.state} sev-${a.severity}`} data-alert-id={a.id} data-state={a.state}>
              <span class={`sev sev-${a.severity}`}>{a.severity}</span>
              <div class="alert-what">
                <div>
                  <strong>{a.ruleId}</strong>
                  {value && <span class="tabular"> · {value}</span>}
                  <span class="muted"> · {a.state}</span>
                  {a.silenced && <span class="flag">silenced</span>}
                  {workOrders?.get(a.id) && <WorkOrderBadge workOrder={workOrders.get(a.id) as WorkOrder} />}
                </div>
                <div class="muted small">
                  {describeRule(rule, a.ruleId)} · <span title={formatDateTime(a.openedAt)}>opened {formatAgo(a.openedAt, now)}</span>, {a.state === 'resolved' ? 'lasted' : 'open'}{' '}
                  {formatDuration(end - Date.parse(a.openedAt))}
                </div>
                {a.ack && (
                  <div class="small">
                    Acknowledged by {a.ack.by.replace(/^[a-z-]+:/, '')} {formatAgo(a.ack.at, now)}
                    {a.ack.note && <span class="muted"> — {a.ack.note}</span>}
                  </div>
                )}
              </div>
              {onAck && a.state === 'firing' && (
                <button type="button" class="btn btn-primary btn-small" onClick={() => onAck(a)}>
                  Acknowledge
                </button>
              )}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
