import type { LiveStore } from '../api/live-store.js'
import { useLiveStore } from '../api/store-context.js'
import { useConnection } from '../api/use-connection.js'
import { AgentsPage } from '../features/agents/index.js'
import { AlertsPage } from '../features/alerts/index.js'
import { CapacityPage } from '../features/capacity/index.js'
import { CameraPage } from '../features/camera/index.js'
import { FleetPage } from '../features/fleet/index.js'
import { IncidentsPage } from '../features/incidents/index.js'
import { MaintenancePage } from '../features/maintenance/index.js'
import { SitePage } from '../features/site/index.js'
import { Link } from '../ui/Link.js'
import { type Route, parseRoute, paths, useLocation } from './router.js'
import { useSession } from './session.js'
import { TopBar } from './TopBar.js'

/** The frame around every view; pages stay thin and read the live store through hooks. */
export function Shell() {
  const { pathname } = useLocation()
  const route = parseRoute(pathname)
  const store = useLiveStore()
  const conn = useConnection()
  const { auth } = useSession()
  return (
    <div class="app">
      <TopBar route={route} />
      {auth === 'off' && (
        <div class="banner banner-warn" role="note" data-testid="auth-off">
          Authentication is off: this is a local demo, and anyone who can reach this address can change the fleet. Run <code>camtel serve</code> for real
          use.
        </div>
      )}
      <main class="content">{shows(route, store) ? <Page route={route} /> : <div class="boot">{conn.error ? `Loading the fleet failed (${conn.error}); retrying…` : 'Loading the fleet…'}</div>}</main>
    </div>
  )
}

/** The fleet view draws from the first preview (map, counts, names); the others wait for the whole fleet. */
function shows(route: Route, store: LiveStore): boolean {
  return route.name === 'fleet' ? store.ready : store.complete
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'fleet':
      return <FleetPage />
    case 'site':
      return <SitePage key={route.id} id={route.id} />
    case 'camera':
      return <CameraPage key={route.id} id={route.id} />
    case 'alerts':
      return <AlertsPage />
    case 'incidents':
      return <IncidentsPage />
    case 'capacity':
      return <CapacityPage />
    case 'maintenance':
      return <MaintenancePage />
    case 'agents':
      return <AgentsPage />
    case 'not-found':
      return (
        <div class="page">
          <p class="empty">
            Nothing at <code>{route.path}</code>. <Link href={paths.fleet()}>Go to the fleet</Link>
          </p>
        </div>
      )
  }
}
