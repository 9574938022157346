import type { CameraListItem, CameraStatus, Site } from '../../api/camtel.js'
import { isAgent } from '../../api/fleet-state.js'
import { statusRank } from '../../api/status.js'

export type SortKey = 'status' | 'name' | 'site' | 'fps' | 'temperature_c' | 'disk_used_pct' | 'packet_loss_pct' | 'lastSeen'

export interface CameraFilter {
  q: string
  status: CameraStatus | 'all'
  site: string | 'all'
}

export interface CameraSort {
  key: SortKey
  desc: boolean
}

export const DEFAULT_SORT: CameraSort = { key: 'status', desc: false }

function matches(c: CameraListItem, f: CameraFilter, q: string, sites: ReadonlyMap<string, Site>): boolean {
  // Edge agents' own health rows are in the agents view, not among the cameras.
  if (isAgent(c.id)) return false
  if (f.status !== 'all' && c.status !== f.status) return false
  if (f.site !== 'all' && c.siteId !== f.site) return false
  if (q === '') return true
  return (
    c.id.toLowerCase().includes(q) ||
    c.name.toLowerCase().includes(q) ||
    (c.model?.toLowerCase().includes(q) ?? false) ||
    c.tags.some((t) => t.toLowerCase().includes(q)) ||
    (sites.get(c.siteId)?.name.toLowerCase().includes(q) ?? false)
  )
}

/** Missing values sort last whichever the direction: an operator sorts to find extremes. */
function metricOf(c: CameraListItem, key: SortKey): number | undefined {
  return c.metrics[key]
}

function comparator(sort: CameraSort, sites: ReadonlyMap<string, Site>): (a: CameraListItem, b: CameraListItem) => number {
  const dir = sort.desc ? -1 : 1
  const byName = (a: CameraListItem, b: CameraListItem) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  switch (sort.key) {
    case 'status':
      return (a, b) => dir * (statusRank(a.status) - statusRank(b.status)) || byName(a, b)
    case 'name':
      return (a, b) => dir * byName(a, b)
    case 'site':
      return (a, b) => dir * (sites.get(a.siteId)?.name ?? a.siteId).localeCompare(sites.get(b.siteId)?.name ?? b.siteId) || byName(a, b)
    case 'lastSeen':
      return (a, b) => {
        const x = a.lastSeen === null ? undefined : Date.parse(a.lastSeen)
        const y = b.lastSeen === null ? undefined : Date.parse(b.lastSeen)
        return compareMissingLast(x, y, dir) || byName(a, b)
      }
    default:
      return (a, b) => compareMissingLast(metricOf(a, sort.key), metricOf(b, sort.key), dir) || byName(a, b)
  }
}

function compareMissingLast(x: number | undefined, y: number | undefined, dir: number): number {
  if (x === undefined) return y === undefined ? 0 : 1
  if (y === undefined) return -1
  return dir * (x - y)
}

/** The ids of the cameras that pass the filter, in sort order; ties by name, then id, so order is stable. */
export function orderCameras(cameras: Iterable<CameraListItem>, filter: CameraFilter, sort: CameraSort, sites: ReadonlyMap<string, Site>): string[] {
  const q = filter.q.trim().toLowerCase()
  const out: CameraListItem[] = []
  for (const c of cameras) if (matches(c, filter, q, sites)) out.push(c)
  out.sort(comparator(sort, sites))
  return out.map((c) => c.id)
}
