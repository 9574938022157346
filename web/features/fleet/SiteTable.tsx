import { useMemo } from 'preact/hooks'
import type { SiteSummary } from '../../api/fleet-state.js'
import { paths } from '../../app/router.js'
import { HealthBar } from '../../ui/HealthBar.js'
import { Link } from '../../ui/Link.js'

/** Sites, the ones in trouble first: counts by status and a health bar each. */
export function SiteTable({ sites }: { sites: readonly SiteSummary[] }) {
  const ordered = useMemo(
    () => [...sites].sort((a, b) => b.byStatus.critical + b.byStatus.offline - (a.byStatus.critical + a.byStatus.offline) || b.byStatus.degraded - a.byStatus.degraded || a.name.localeCompare(b.name)),
    [sites],
  )
  if (ordered.length === 0) return <p class="empty">No sites yet.</p>
  return (
    <table class="table sites-table">
      <thead>
        <tr>
          <th>Site</th>
          <th class="num">Cameras</th>
          <th class="bar-col">Health</th>
          <th class="num">Crit.</th>
          <th class="num">Offline</th>
          <th class="num">Degr.</th>
        </tr>
      </thead>
      <tbody>
        {ordered.map((s) => (
          <tr key={s.siteId} data-site-id={s.siteId}>
            <td class="ellipsis">
              <Link href={paths.site(s.siteId)}>{s.name}</Link>
            </td>
            <td class="num">{s.cameras}</td>
            <td class="bar-col">
              <HealthBar counts={s.byStatus} />
            </td>
            <td class={`num${s.byStatus.critical > 0 ? ' text-critical' : ' muted'}`}>{s.byStatus.critical}</td>
            <td class={`num${s.byStatus.offline > 0 ? ' text-offline' : ' muted'}`}>{s.byStatus.offline}</td>
            <td class={`num${s.byStatus.degraded > 0 ? ' text-degraded' : ' muted'}`}>{s.byStatus.degraded}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
