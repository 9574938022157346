import './site.css'
import { useState } from 'preact/hooks'
import { useFleetSummary } from '../../api/use-fleet-summary.js'
import { useIncidents } from '../../api/use-incidents.js'
import { useSites } from '../../api/use-sites.js'
import { emptyByStatus } from '../../api/status.js'
import { Link } from '../../ui/Link.js'
import { Panel } from '../../ui/Panel.js'
import { paths } from '../../app/router.js'
import { type CameraFilter, CameraList, StatusTiles } from '../fleet/index.js'
import { FleetMap } from '../fleet-map/index.js'
import { IncidentList } from '../incidents/index.js'
import { useAlertActions } from '../alerts/index.js'
import { UplinkCard } from './UplinkCard.js'

/** One site: its counts, map, cameras, incidents and uplink. */
export function SitePage({ id }: { id: string }) {
  const sites = useSites()
  const summary = useFleetSummary()
  const incidents = useIncidents().filter((i) => i.siteId === id)
  const [filter, setFilter] = useState<CameraFilter>({ q: '', status: 'all', site: id })
  const actions = useAlertActions()
  const site = sites.get(id)
  const counts = summary.sites.find((s) => s.siteId === id)
  if (!site && !counts) {
    return (
      <div class="page">
        <p class="empty">
          No site <code>{id}</code> here. <Link href={paths.fleet()}>Back to the fleet</Link>
        </p>
      </div>
    )
  }
  return (
    <div class="page site-page">
      <header class="page-head">
        <div>
          <p class="crumbs">
            <Link href={paths.fleet()}>Fleet</Link> / site
          </p>
          <h1>{site?.name ?? id}</h1>
          <p class="muted">
            <code>{id}</code>
            {site?.timezone && ` · ${site.timezone}`}
            {site?.lat !== null && site?.lon !== null && site && ` · ${site.lat?.toFixed(4)}, ${site.lon?.toFixed(4)}`}
          </p>
        </div>
        {actions.silence && (
          <button type="button" class="btn" onClick={() => actions.silence?.({ kind: 'site', id })}>
            Silence site…
          </button>
        )}
      </header>
      <StatusTiles scope="this site" counts={counts?.byStatus ?? emptyByStatus()} total={counts?.cameras ?? 0} selected={filter.status} onSelect={(status) => setFilter({ ...filter, status })} />
      <div class="site-grid">
        <Panel class="map-panel" fill>
          <FleetMap siteId={id} />
        </Panel>
        <div class="site-side">
          {site && (
            <Panel title="Uplink">
              <UplinkCard site={site} />
            </Panel>
          )}
          <Panel title="Incidents" fill>
            <IncidentList incidents={incidents} empty="No incident at this site." />
          </Panel>
        </div>
        <Panel title="Cameras" class="list-panel site-list" fill>
          <CameraList filter={filter} onFilter={setFilter} fixedSite={id} />
        </Panel>
      </div>
      {actions.dialog}
    </div>
  )
}
