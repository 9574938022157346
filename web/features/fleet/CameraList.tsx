import './fleet.css'
import { memo } from 'preact/compat'
import { useMemo, useState } from 'preact/hooks'
import type { CameraListItem, Site } from '../../api/camtel.js'
import { isAgent } from '../../api/fleet-state.js'
import { useCameras } from '../../api/use-cameras.js'
import { useSites } from '../../api/use-sites.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatMetric } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { StatusDot } from '../../ui/StatusDot.js'
import { useNow } from '../../ui/use-now.js'
import { useThrottled } from '../../ui/use-throttled.js'
import { VirtualList } from '../../ui/VirtualList.js'
import { type CameraFilter, type CameraSort, DEFAULT_SORT, type SortKey, orderCameras } from './camera-order.js'
import { CameraFilterBar } from './CameraFilterBar.js'

const ROW_HEIGHT = 34
/** Rows keep their place for this long while statuses change. */
const REORDER_MS = 1000
/**
 * Row contents follow the cameras at most this often: under a storm of telemetry, repainting
 * the rows in view at every frame costs far more than a human can tell from four times a second.
 */
const ROWS_MS = 250

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: 'status', label: 'Status' },
  { key: 'name', label: 'Camera' },
  { key: 'site', label: 'Site' },
  { key: 'fps', label: 'FPS', numeric: true },
  { key: 'temperature_c', label: 'Temp', numeric: true },
  { key: 'disk_used_pct', label: 'Disk', numeric: true },
  { key: 'packet_loss_pct', label: 'Loss', numeric: true },
  { key: 'lastSeen', label: 'Last seen', numeric: true },
]

interface Props {
  filter: CameraFilter
  onFilter: (f: CameraFilter) => void
  /** On a site's page the site is fixed and its column hidden. */
  fixedSite?: string
}

/** The fleet's cameras, filtered and sorted, virtualised: smooth with 10,000 of them. */
export function CameraList({ filter, onFilter, fixedSite }: Props) {
  const { cameras, version } = useCameras(ROWS_MS)
  const sites = useSites()
  const [sort, setSort] = useState<CameraSort>(DEFAULT_SORT)
  const now = useNow(1000)
  const calmVersion = useThrottled(version, REORDER_MS)
  const effective = fixedSite === undefined ? filter : { ...filter, site: fixedSite }
  const ids = useMemo(() => orderCameras(cameras.values(), effective, sort, sites), [cameras, calmVersion, effective.q, effective.status, effective.site, sort, sites])
  const total = useMemo(() => {
    // Edge agents (`agent:<name>`) are not cameras of the list: the agents view shows them.
    let n = 0
    for (const c of cameras.values()) if ((fixedSite === undefined || c.siteId === fixedSite) && !isAgent(c.id)) n++
    return n
  }, [cameras, calmVersion, fixedSite])
  const toggleSort = (key: SortKey) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key === 'lastSeen' }))
  const columns = fixedSite === undefined ? COLUMNS : COLUMNS.filter((c) => c.key !== 'site')
  return (
    <div class={`camera-list${fixedSite === undefined ? '' : ' no-site'}`} role="table" aria-label="Cameras" aria-rowcount={ids.length + 1}>
      <CameraFilterBar filter={filter} onFilter={onFilter} showSite={fixedSite === undefined} shown={ids.length} total={total} />
      <div class="crow chead" role="row" aria-rowindex={1}>
        {columns.map((c) => (
          <div key={c.key} role="columnheader" class={c.numeric ? 'num' : ''} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
            <button type="button" onClick={() => toggleSort(c.key)}>
              {c.label}
              <span class="sort-mark">{sort.key === c.key ? (sort.desc ? '▾' : '▴') : ''}</span>
            </button>
          </div>
        ))}
      </div>
      {ids.length === 0 ? (
        <p class="empty">{total === 0 ? 'No cameras yet.' : 'No camera matches these filters.'}</p>
      ) : (
        <VirtualList
          count={ids.length}
          rowHeight={ROW_HEIGHT}
          label="Camera rows"
          renderRow={(i) => {
            const camera = cameras.get(ids[i] as string)
            return camera ? <CameraRow camera={camera} site={sites.get(camera.siteId)} showSite={fixedSite === undefined} now={now} /> : null
          }}
        />
      )}
    </div>
  )
}

interface RowProps {
  camera: CameraListItem
  site: Site | undefined
  showSite: boolean
  now: number
}

// Cameras are replaced on change, so identity tells a row whether it must render again.
const CameraRow = memo(function CameraRow({ camera: c, site, showSite, now }: RowProps) {
  return (
    <div class={`crow status-${c.status}`} data-camera-id={c.id} data-status={c.status}>
      <div role="cell" class="status-cell">
        <StatusDot status={c.status} />
      </div>
      <div role="cell" class="name-cell">
        <Link href={paths.camera(c.id)}>{c.name}</Link>
        {c.name !== c.id && <span class="muted id">{c.id}</span>}
      </div>
      {showSite && (
        <div role="cell" class="site-cell">
          {site?.name ?? c.siteId}
        </div>
      )}
      <div role="cell" class="num">{formatMetric('fps', c.metrics.fps)}</div>
      <div role="cell" class="num">{formatMetric('temperature_c', c.metrics.temperature_c)}</div>
      <div role="cell" class="num">{formatMetric('disk_used_pct', c.metrics.disk_used_pct)}</div>
      <div role="cell" class="num">{formatMetric('packet_loss_pct', c.metrics.packet_loss_pct)}</div>
      <div role="cell" class="num muted">{formatAgo(c.lastSeen, now)}</div>
    </div>
  )
})
