import { useFiringCount } from '../api/use-alerts.js'
import { useOpenIncidentCount } from '../api/use-incidents.js'
import { usePredictions } from '../api/use-predictions.js'
import { Link } from '../ui/Link.js'
import { ConnectionPill } from './ConnectionPill.js'
import { type Route, paths } from './router.js'
import { useSession } from './session.js'

/** The firing-alert and open-incident badges are re-counted at most this often. */
const BADGE_MS = 250

/** Navigation, the counts that need attention, the connection, and who is logged in. */
export function TopBar({ route }: { route: Route }) {
  const session = useSession()
  // The badges follow at most four times a second: a storm of alerts (opening and resolving
  // incidents) would otherwise repaint the top bar at every batch of events.
  const firing = useFiringCount(BADGE_MS)
  const incidents = useOpenIncidentCount(BADGE_MS)
  const predictions = usePredictions()
  const at = (names: Route['name'][]) => (names.includes(route.name) ? 'page' : undefined)
  return (
    <header class="topbar">
      <Link href={paths.fleet()} class="brand" aria-label="camtel fleet">
        <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
          <circle cx="16" cy="16" r="12" fill="none" stroke="currentColor" stroke-width="4" />
          <circle cx="16" cy="16" r="4.5" fill="#e6edf3" />
        </svg>
        camtel
      </Link>
      <nav class="nav" aria-label="Views">
        <Link href={paths.fleet()} aria-current={at(['fleet', 'site', 'camera'])}>
          Fleet
        </Link>
        <Link href={paths.alerts()} aria-current={at(['alerts'])}>
          Alerts
          {firing > 0 && <span class="nav-count count-critical" data-testid="firing-count">{firing}</span>}
        </Link>
        <Link href={paths.incidents()} aria-current={at(['incidents'])}>
          Incidents
          {incidents > 0 && <span class="nav-count">{incidents}</span>}
        </Link>
        <Link href={paths.capacity()} aria-current={at(['capacity'])}>
          Capacity
        </Link>
        {predictions.enabled && (
          <Link href={paths.maintenance()} aria-current={at(['maintenance'])}>
            Maintenance
            {predictions.predictions.length > 0 && <span class="nav-count" data-testid="raised-nav-count">{predictions.predictions.length}</span>}
          </Link>
        )}
        <Link href={paths.agents()} aria-current={at(['agents'])}>
          Agents
        </Link>
      </nav>
      <div class="topbar-right">
        <ConnectionPill />
        {session.auth === 'on' && (
          <div class="user">
            <span title={`${session.me.role}${session.me.sites ? ` of ${session.me.sites.join(', ')}` : ''}`}>
              {session.me.name} <span class="muted">· {session.me.role}</span>
            </span>
            {session.me.kind === 'session' && (
              <button type="button" class="btn btn-small" onClick={session.logout}>
                Log out
              </button>
            )}
          </div>
        )}
      </div>
    </header>
  )
}
