import './fleet.css'
import { useState } from 'preact/hooks'
import { useFleetSummary } from '../../api/use-fleet-summary.js'
import { Panel } from '../../ui/Panel.js'
import { FleetMap } from '../fleet-map/index.js'
import type { CameraFilter } from './camera-order.js'
import { CameraList } from './CameraList.js'
import { SiteTable } from './SiteTable.js'
import { StatusTiles } from './StatusTiles.js'

/** Counts by status, like map markers, follow statuses at most this often. */
const COUNTS_MS = 250

/** The fleet view: counts by status, the map, sites, and every camera. */
export function FleetPage() {
  // Counts follow at most four times a second: the whole view would otherwise re-render every frame of an event storm.
  const summary = useFleetSummary(COUNTS_MS)
  const [filter, setFilter] = useState<CameraFilter>({ q: '', status: 'all', site: 'all' })
  return (
    <div class="page fleet-page">
      <StatusTiles counts={summary.byStatus} total={summary.cameras} selected={filter.status} onSelect={(status) => setFilter({ ...filter, status })} />
      <div class="fleet-grid">
        <Panel class="map-panel" fill>
          <FleetMap />
        </Panel>
        <div class="fleet-side">
          <Panel title="Sites" class="sites-panel" fill>
            <SiteTable sites={summary.sites} />
          </Panel>
          <Panel title="Cameras" class="list-panel" fill>
            <CameraList filter={filter} onFilter={setFilter} />
          </Panel>
        </div>
      </div>
    </div>
  )
}
