import type { CameraListItem, Prediction, Site } from '../../api/camtel.js'
import type { WorkOrder } from '../../api/use-work-orders.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime, formatTimeTick } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { StatusDot } from '../../ui/StatusDot.js'
import { etaText, modeAction, modeLabel, riskLevel, riskText } from './modes.js'
import { WorkOrderBadge } from './WorkOrderBadge.js'

interface Props {
  prediction: Prediction
  now: number
  /** In the fleet's list: which camera, where. On a camera's own page: left out. */
  camera?: CameraListItem | undefined
  site?: Site | undefined
  /** The latest ticket of this camera and failure mode, when the page reads them. */
  workOrder?: WorkOrder | undefined
}

/** One raised prediction: how likely, which failure, when, and why in words and numbers. */
export function PredictionItem({ prediction: p, now, camera, site, workOrder }: Props) {
  const level = riskLevel(p.risk)
  const eta = etaText(p.eta, now)
  const action = modeAction(p.mode)
  return (
    <li class={`prediction risk-${level}`} data-camera-id={p.cameraId} data-mode={p.mode} data-risk={p.risk}>
      <div class="risk" title="Probability of this failure within 30 days">
        <span class="risk-value tabular">{riskText(p.risk)}</span>
        <span class="risk-meter" aria-hidden="true">
          <span style={{ width: `${Math.round(p.risk * 100)}%` }} />
        </span>
        <span class="risk-label">30-day risk</span>
      </div>
      <div class="prediction-what">
        <div class="prediction-title">
          <strong>{modeLabel(p.mode)}</strong>
          {camera !== undefined && (
            <>
              {' · '}
              <StatusDot status={camera.status} /> <Link href={paths.camera(p.cameraId)}>{camera.name}</Link>
              <span class="muted"> · {site?.name ?? p.siteId}</span>
            </>
          )}
          {camera === undefined && site !== undefined && <span class="muted"> · {site.name}</span>}
        </div>
        {p.evidence.length > 0 ? (
          <ul class="evidence">
            {p.evidence.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        ) : (
          <p class="muted small">No evidence given.</p>
        )}
        {action && <p class="small muted">On the visit: {action}.</p>}
      </div>
      <div class="prediction-when">
        {eta ? (
          <span class="eta" title={p.eta ? `Expected failure ${formatDateTime(p.eta)} (data time)` : undefined}>
            {eta}
          </span>
        ) : (
          <span class="muted" title="No trend projects a failure time">no ETA</span>
        )}
        {p.eta && <span class="muted small">{formatTimeTick(Date.parse(p.eta), 3 * 86_400_000)}</span>}
        {p.raisedAt && <span class="muted small">raised {formatAgo(p.raisedAt, now)}</span>}
        {workOrder && <WorkOrderBadge workOrder={workOrder} />}
      </div>
    </li>
  )
}
