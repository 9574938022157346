import { useSites } from '../../api/use-sites.js'
import { SiteSelect } from '../../ui/SiteSelect.js'
import type { AlertFilter } from './alert-filter.js'

export function AlertFilterBar({ filter, onFilter }: { filter: AlertFilter; onFilter: (f: AlertFilter) => void }) {
  const sites = useSites()
  return (
    <div class="filterbar">
      <input type="search" placeholder="Camera, rule or site" aria-label="Filter alerts" value={filter.q} onInput={(e) => onFilter({ ...filter, q: e.currentTarget.value })} />
      <select aria-label="Severity" value={filter.severity} onChange={(e) => onFilter({ ...filter, severity: e.currentTarget.value as AlertFilter['severity'] })}>
        <option value="all">All severities</option>
        <option value="critical">Critical</option>
        <option value="warning">Warning</option>
      </select>
      <SiteSelect sites={sites} value={filter.site} onChange={(site) => onFilter({ ...filter, site })} />
      <label class="check">
        <input type="checkbox" checked={filter.hideSilenced} onChange={(e) => onFilter({ ...filter, hideSilenced: e.currentTarget.checked })} /> Hide silenced
      </label>
    </div>
  )
}
