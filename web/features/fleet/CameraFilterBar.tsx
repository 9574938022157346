import type { CameraStatus } from '../../api/camtel.js'
import { STATUSES, STATUS_LABEL } from '../../api/status.js'
import { useSites } from '../../api/use-sites.js'
import { formatCount } from '../../ui/format.js'
import { SiteSelect } from '../../ui/SiteSelect.js'
import type { CameraFilter } from './camera-order.js'

interface Props {
  filter: CameraFilter
  onFilter: (f: CameraFilter) => void
  showSite: boolean
  shown: number
  total: number
}

export function CameraFilterBar({ filter, onFilter, showSite, shown, total }: Props) {
  const sites = useSites()
  return (
    <div class="filterbar">
      <input
        type="search"
        placeholder="Filter by name, id, model, tag, site"
        aria-label="Filter cameras"
        value={filter.q}
        onInput={(e) => onFilter({ ...filter, q: e.currentTarget.value })}
      />
      <select aria-label="Status" value={filter.status} onChange={(e) => onFilter({ ...filter, status: e.currentTarget.value as CameraStatus | 'all' })}>
        <option value="all">All statuses</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABEL[s]}
          </option>
        ))}
      </select>
      {showSite && (
        <SiteSelect sites={sites} value={filter.site} onChange={(site) => onFilter({ ...filter, site })} />
      )}
      <span class="muted tabular shown">
        {shown === total ? `${formatCount(total)} cameras` : `${formatCount(shown)} of ${formatCount(total)}`}
      </span>
    </div>
  )
}
