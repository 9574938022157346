import type { Alert, CameraListItem, Site } from '../../api/camtel.js'

export type AlertTab = 'firing' | 'acknowledged' | 'resolved' | 'all'

export interface AlertFilter {
  tab: AlertTab
  severity: 'all' | 'warning' | 'critical'
  site: string | 'all'
  q: string
  hideSilenced: boolean
}

export const DEFAULT_ALERT_FILTER: AlertFilter = { tab: 'firing', severity: 'all', site: 'all', q: '', hideSilenced: false }

interface Context {
  cameras: ReadonlyMap<string, CameraListItem>
  sites: ReadonlyMap<string, Site>
}

/** Alerts that pass every filter but the tab, so that each tab can show its count. */
export function filterAlerts(alerts: readonly Alert[], f: AlertFilter, ctx: Context): Alert[] {
  const q = f.q.trim().toLowerCase()
  return alerts.filter((a) => {
    if (f.severity !== 'all' && a.severity !== f.severity) return false
    // The camera's site now: an alert keeps the site its camera had when it opened.
    if (f.site !== 'all' && (ctx.cameras.get(a.cameraId)?.siteId ?? a.siteId) !== f.site) return false
    if (f.hideSilenced && a.silenced) return false
    if (q === '') return true
    const camera = ctx.cameras.get(a.cameraId)
    return (
      a.cameraId.toLowerCase().includes(q) ||
      a.ruleId.toLowerCase().includes(q) ||
      (camera?.name.toLowerCase().includes(q) ?? false) ||
      (ctx.sites.get(a.siteId)?.name.toLowerCase().includes(q) ?? false)
    )
  })
}

export function inTab(a: Alert, tab: AlertTab): boolean {
  return tab === 'all' || a.state === tab
}

/** Open alerts: critical first, then the longest-standing; resolved ones: the latest first. */
export function sortForTab(alerts: Alert[], tab: AlertTab): Alert[] {
  const sev = (a: Alert) => (a.severity === 'critical' ? 0 : 1)
  if (tab === 'resolved') return alerts.sort((a, b) => Date.parse(b.resolvedAt ?? b.openedAt) - Date.parse(a.resolvedAt ?? a.openedAt))
  if (tab === 'all') return alerts.sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt))
  return alerts.sort((a, b) => sev(a) - sev(b) || Date.parse(a.openedAt) - Date.parse(b.openedAt) || a.id - b.id)
}
