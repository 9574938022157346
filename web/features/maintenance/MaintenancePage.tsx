import './maintenance.css'
import { useMemo, useState } from 'preact/hooks'
import type { CameraListItem, Prediction, Site } from '../../api/camtel.js'
import { useCameras } from '../../api/use-cameras.js'
import { usePredictions } from '../../api/use-predictions.js'
import { useSites } from '../../api/use-sites.js'
import { problemKey, useWorkOrders } from '../../api/use-work-orders.js'
import { Panel } from '../../ui/Panel.js'
import { SiteSelect } from '../../ui/SiteSelect.js'
import { useNow } from '../../ui/use-now.js'
import { modeLabel } from './modes.js'
import { PredictionItem } from './PredictionItem.js'
import { ticketOf } from './WorkOrderBadge.js'
import { WorkOrdersPanel } from './WorkOrdersPanel.js'

/** Beyond this many the list says how many more there are: nobody schedules 2,000 visits from a screen. */
const SHOWN = 300

interface Filter {
  q: string
  mode: string
  site: string
}

/** The maintenance list: raised failure predictions, highest risk first, with their evidence, and the work orders, live. */
export function MaintenancePage() {
  const { predictions, enabled } = usePredictions()
  const { cameras } = useCameras()
  const sites = useSites()
  const now = useNow(30_000)
  const workOrders = useWorkOrders()
  const [filter, setFilter] = useState<Filter>({ q: '', mode: 'all', site: 'all' })
  const byMode = useMemo(() => countBy(predictions, (p) => p.mode), [predictions])
  const shown = useMemo(() => filterPredictions(predictions, filter, cameras, sites), [predictions, filter, cameras, sites])
  const cams = new Set(predictions.map((p) => p.cameraId)).size
  return (
    <div class="page maintenance-page">
      <Panel
        title="Maintenance"
        fill
        actions={
          enabled && (
            <span class="muted" data-testid="raised-count">
              {predictions.length} raised on {cams} {cams === 1 ? 'camera' : 'cameras'}
            </span>
          )
        }
      >
        {!enabled ? (
          <p class="empty" data-testid="predictions-off">
            Predictive maintenance is not part of this plan. Set <code>CAMTEL_ADDONS=predictive</code> (or <code>CAMTEL_PLAN=enterprise</code>) to turn it on.
          </p>
        ) : (
          <>
            <p class="muted intro">
              Cameras likely to fail within 30 days (risk 50 % or more), highest risk first, each with what the prediction rests on. Judged on each camera&apos;s own
              history and against its site&apos;s peers, so a heatwave or a firmware roll-out raises nothing.
            </p>
            <div class="mode-chips" role="group" aria-label="Failure modes">
              {[...byMode]
                .sort((a, b) => b[1] - a[1])
                .map(([mode, n]) => (
                  <button
                    type="button"
                    key={mode}
                    class={`chip${filter.mode === mode ? ' on' : ''}`}
                    aria-pressed={filter.mode === mode}
                    onClick={() => setFilter({ ...filter, mode: filter.mode === mode ? 'all' : mode })}
                  >
                    {modeLabel(mode)} <span class="chip-count">{n}</span>
                  </button>
                ))}
            </div>
            <div class="filterbar">
              <input type="search" placeholder="Camera or site" aria-label="Filter predictions" value={filter.q} onInput={(e) => setFilter({ ...filter, q: e.currentTarget.value })} />
              <select aria-label="Failure mode" value={filter.mode} onChange={(e) => setFilter({ ...filter, mode: e.currentTarget.value })}>
                <option value="all">All failure modes</option>
                {[...byMode.keys()].sort().map((m) => (
                  <option key={m} value={m}>
                    {modeLabel(m)}
                  </option>
                ))}
              </select>
              <SiteSelect sites={sites} value={filter.site} onChange={(site) => setFilter({ ...filter, site })} />
            </div>
            {shown.length === 0 ? (
              <p class="empty">{predictions.length === 0 ? 'No camera is predicted to fail: nothing is at 50 % risk or more within 30 days.' : 'No raised prediction matches.'}</p>
            ) : (
              <ul class="predictions" aria-label="Raised predictions">
                {shown.slice(0, SHOWN).map((p) => (
                  <PredictionItem
                    key={`${p.cameraId} ${p.mode}`}
                    prediction={p}
                    now={now}
                    camera={cameras.get(p.cameraId)}
                    site={sites.get(cameras.get(p.cameraId)?.siteId ?? p.siteId)}
                    workOrder={ticketOf(workOrders.latestOf.get(problemKey(p.cameraId, p.mode)), p)}
                  />
                ))}
              </ul>
            )}
            {shown.length > SHOWN && <p class="muted small">…and {shown.length - SHOWN} more of lower risk; narrow the filter to see them.</p>}
          </>
        )}
      </Panel>
      <WorkOrdersPanel workOrders={workOrders.all} error={workOrders.error} cameras={cameras} sites={sites} now={now} />
    </div>
  )
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>()
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + 1)
  return out
}

function filterPredictions(all: readonly Prediction[], f: Filter, cameras: ReadonlyMap<string, CameraListItem>, sites: ReadonlyMap<string, Site>): Prediction[] {
  const q = f.q.trim().toLowerCase()
  return all.filter((p) => {
    const camera = cameras.get(p.cameraId)
    const siteId = camera?.siteId ?? p.siteId
    if (f.mode !== 'all' && p.mode !== f.mode) return false
    if (f.site !== 'all' && siteId !== f.site) return false
    if (q === '') return true
    return [p.cameraId, camera?.name ?? '', siteId, sites.get(siteId)?.name ?? ''].some((s) => s.toLowerCase().includes(q))
  })
}
