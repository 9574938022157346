import type { CameraListItem, Site } from '../../api/camtel.js'
import { isAgent } from '../../api/fleet-state.js'

export interface MapPoint {
  id: string
  lat: number
  lon: number
}

const valid = (lat: number | null, lon: number | null): boolean => lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180

/**
 * Where each camera goes on the map: its own position, else its site's. A camera with neither
 * is left off the map (it is still in the list and the counts); so are edge agents (`agent:<name>`),
 * which are not cameras of the fleet.
 */
export function mapPoints(cameras: Iterable<CameraListItem>, sites: ReadonlyMap<string, Site>, siteId?: string): MapPoint[] {
  const out: MapPoint[] = []
  for (const c of cameras) {
    if ((siteId !== undefined && c.siteId !== siteId) || isAgent(c.id)) continue
    if (valid(c.lat, c.lon)) {
      out.push({ id: c.id, lat: c.lat as number, lon: c.lon as number })
      continue
    }
    const site = sites.get(c.siteId)
    if (site && valid(site.lat, site.lon)) out.push({ id: c.id, lat: site.lat as number, lon: site.lon as number })
  }
  return out
}
