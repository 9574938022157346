import { useEffect, useState } from 'preact/hooks'

export type Route =
  | { name: 'fleet' }
  | { name: 'site'; id: string }
  | { name: 'camera'; id: string }
  | { name: 'alerts' }
  | { name: 'incidents' }
  | { name: 'capacity' }
  | { name: 'maintenance' }
  | { name: 'agents' }
  | { name: 'not-found'; path: string }

/** The client routes; the server answers index.html for each of them (SPA fallback). */
export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent)
  const [first, second] = parts
  if (parts.length === 0) return { name: 'fleet' }
  if (first === 'alerts' && parts.length === 1) return { name: 'alerts' }
  if (first === 'incidents' && parts.length === 1) return { name: 'incidents' }
  if (first === 'capacity' && parts.length === 1) return { name: 'capacity' }
  if (first === 'maintenance' && parts.length === 1) return { name: 'maintenance' }
  if (first === 'agents' && parts.length === 1) return { name: 'agents' }
  if (first === 'cameras' && second !== undefined && parts.length === 2) return { name: 'camera', id: second }
  if (first === 'sites' && second !== undefined && parts.length === 2) return { name: 'site', id: second }
  return { name: 'not-found', path: pathname }
}

export const paths = {
  fleet: () => '/',
  camera: (id: string) => `/cameras/${encodeURIComponent(id)}`,
  site: (id: string) => `/sites/${encodeURIComponent(id)}`,
  alerts: () => '/alerts',
  incidents: () => '/incidents',
  capacity: () => '/capacity',
  maintenance: () => '/maintenance',
  agents: () => '/agents',
}

const NAVIGATE = 'camtel:navigate'

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return
  history.pushState(null, '', to)
  window.dispatchEvent(new Event(NAVIGATE))
  window.scrollTo(0, 0)
}

/** The current location, updated on navigate() and on the browser's back and forward. */
export function useLocation(): { pathname: string; search: string } {
  const [loc, setLoc] = useState(() => ({ pathname: location.pathname, search: location.search }))
  useEffect(() => {
    const update = () => setLoc({ pathname: location.pathname, search: location.search })
    window.addEventListener('popstate', update)
    window.addEventListener(NAVIGATE, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(NAVIGATE, update)
    }
  }, [])
  return loc
}
