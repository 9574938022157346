import './camera.css'
import { useMemo, useState } from 'preact/hooks'
import type { Alert, Rule } from '../../api/camtel.js'
import { CamtelApiError } from '../../api/camtel.js'
import { useCameraAlerts } from '../../api/use-alerts.js'
import { useCamera } from '../../api/use-camera.js'
import { useCameraPredictions, usePredictions } from '../../api/use-predictions.js'
import { useRequest } from '../../api/use-request.js'
import { useSites } from '../../api/use-sites.js'
import { useStatusChanges } from '../../api/use-status-changes.js'
import { problemKey, useWorkOrders } from '../../api/use-work-orders.js'
import { paths } from '../../app/router.js'
import { Link } from '../../ui/Link.js'
import { Panel } from '../../ui/Panel.js'
import { Segmented } from '../../ui/Segmented.js'
import { StatusBadge } from '../../ui/StatusDot.js'
import { useNow } from '../../ui/use-now.js'
import { useAlertActions } from '../alerts/index.js'
import { CameraAlerts } from './CameraAlerts.js'
import { PredictionItem, ticketOf } from '../maintenance/index.js'
import { ConnectivityTimeline } from './ConnectivityTimeline.js'
import { GapList } from './GapList.js'
import { LatestMetrics } from './LatestMetrics.js'
import { RANGE_IDS, RANGES, type RangeId } from './ranges.js'
import { RegistryCard } from './RegistryCard.js'
import { TrendCharts } from './TrendCharts.js'

/** One camera: registry, latest metrics, trends, alerts and connectivity. Live where the stream has it. */
export function CameraPage({ id }: { id: string }) {
  const live = useCamera(id)
  const sites = useSites()
  const now = useNow(5000)
  const [range, setRange] = useState<RangeId>('1h')
  const [firstData, setFirstData] = useState<number | null>(null)
  const actions = useAlertActions()
  const detail = useRequest((c) => c.camera(id), [id])
  const rules = useRequest((c) => c.rules(), [])
  const ruleMap = useMemo(() => new Map<string, Rule>((rules.data ?? []).map((r) => [r.id, r])), [rules.data])
  // The store holds the open alerts and recent others; REST adds this camera's older ones.
  const history = useRequest((c) => c.alerts({ camera: id, limit: 200 }), [id, RANGES[range].ms])
  const liveAlerts = useCameraAlerts(id)
  const workOrders = useWorkOrders({ camera: id })
  const alerts = useMemo(() => mergeAlerts(liveAlerts, history.data ?? []), [liveAlerts, history.data])
  const changes = useStatusChanges(id)
  const predictions = useCameraPredictions(id)
  const { enabled: predicting } = usePredictions()
  // The range's gaps (DESIGN §9a), read again each minute: an agent records one when its cap drops reports.
  const minute = Math.floor(now / 60_000)
  const gaps = useRequest((c) => c.gaps(id, { from: Date.now() - RANGES[range].ms }), [id, range, minute])

  if (detail.error instanceof CamtelApiError && detail.error.status === 404) {
    return (
      <div class="page">
        <p class="empty">
          No camera <code>{id}</code> here. <Link href={paths.fleet()}>Back to the fleet</Link>
        </p>
      </div>
    )
  }
  const d = detail.data
  const camera = live ?? d
  if (!camera || !d) return <div class="page loading">Loading camera…</div>
  const site = sites.get(camera.siteId)
  const to = now
  const from = to - RANGES[range].ms
  const createdAt = d.createdAt ? Date.parse(d.createdAt) : null
  const knownFrom = firstData ?? createdAt

  return (
    <div class="page camera-page" data-camera-id={id}>
      <header class="page-head">
        <div>
          <p class="crumbs">
            <Link href={paths.fleet()}>Fleet</Link> / <Link href={paths.site(camera.siteId)}>{site?.name ?? camera.siteId}</Link> / camera
          </p>
          <h1>
            <StatusBadge status={camera.status} /> {camera.name}
          </h1>
          <p class="muted">
            <code>{id}</code>
            {camera.model && ` · ${camera.model}`}
            {d.firmware && ` · firmware ${d.firmware}`}
          </p>
        </div>
        <div class="head-actions">
          <Segmented<RangeId> label="Time range" value={range} onChange={setRange} options={RANGE_IDS.map((r) => ({ value: r, label: RANGES[r].label }))} />
          {actions.silence && (
            <button type="button" class="btn" onClick={() => actions.silence?.({ kind: 'camera', id })}>
              Silence…
            </button>
          )}
        </div>
      </header>
      <div class="camera-grid">
        <div class="camera-side">
          <Panel title="Latest values">
            <LatestMetrics camera={camera} alerts={alerts} rules={ruleMap} />
          </Panel>
          <Panel title="Registry">
            <RegistryCard detail={d} site={site} lastSeen={camera.lastSeen} now={now} />
          </Panel>
        </div>
        <div class="camera-main">
          <Panel title="Alerts">
            <CameraAlerts alerts={alerts} rules={ruleMap} now={now} onAck={actions.ack} workOrders={workOrders.byAlert} />
          </Panel>
          {predicting && (
            <Panel title="Predicted failures" class="camera-predictions">
              {predictions.length === 0 ? (
                <p class="ok-note" data-testid="no-predictions">
                  No failure predicted: every mode is below 50 % risk within 30 days.
                </p>
              ) : (
                <ul class="predictions" aria-label="Raised predictions">
                  {predictions.map((p) => (
                    <PredictionItem key={p.mode} prediction={p} now={now} workOrder={ticketOf(workOrders.latestOf.get(problemKey(p.cameraId, p.mode)), p)} />
                  ))}
                </ul>
              )}
            </Panel>
          )}
          <Panel title={`Connectivity, last ${RANGES[range].label}`}>
            <ConnectivityTimeline
              from={from}
              to={to}
              knownFrom={knownFrom}
              neverReported={camera.status === 'unknown'}
              alerts={alerts}
              changes={changes}
              gaps={gaps.data ?? d.gaps ?? []}
            />
          </Panel>
          {(gaps.data ?? []).length > 0 && (
            <Panel title={`Reports lost at the edge, last ${RANGES[range].label}`}>
              <GapList gaps={gaps.data ?? []} now={now} />
            </Panel>
          )}
          <Panel title={`Trends, last ${RANGES[range].label}`}>
            <TrendCharts camera={camera} range={range} rules={rules.data ?? []} onFirstData={setFirstData} />
          </Panel>
        </div>
      </div>
      {actions.dialog}
    </div>
  )
}

/** The store's copy of an alert is the newest; REST fills in the ones the store no longer holds. */
function mergeAlerts(live: readonly Alert[], rest: readonly Alert[]): Alert[] {
  const byId = new Map<number, Alert>()
  for (const a of rest) byId.set(a.id, a)
  for (const a of live) byId.set(a.id, a)
  return [...byId.values()].sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || b.id - a.id)
}
