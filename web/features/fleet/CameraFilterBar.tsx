import type { CameraStatus } from '../../api/camtel.js'
import { STATUSES, STATUS_LABEL } from '../../api/status.js'
import { useSites } from '../../api/use-sites.js'
import { formatCount } from '../../ui/format.js'
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
        <select aria-label="Site" value={filter.site} onChange={(e) => onFilter({ ...filter, site: e.currentTarget.value })}>
          <option value="all">All sites</option>
          {[...sites.values()]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
        </select>
      )}
      <span class="muted tabular shown">
        {shown === total ? `${formatCount(total)} cameras` : `${formatCount(shown)} of ${formatCount(total)}`}
      </span>
    </div>
  )
}
