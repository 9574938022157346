/**
 * Incident grouping (DESIGN §5): when at least 5 cameras, or 30 % of the cameras, of one site
 * (or of one `switch:` / `uplink:` tag) open alerts on the same rule within 5 minutes of data
 * time, one incident groups them. Pure: the engine feeds it opens and asks what to do.
 */
export const INCIDENT_WINDOW_MS = 5 * 60_000
export const INCIDENT_MIN_CAMERAS = 5
export const INCIDENT_SHARE = 0.3

export interface RecentOpen {
  alertId: number
  ruleId: string
  cameraId: string
  groups: readonly string[]
  ts: number
}

/** The groups a camera belongs to: its site, and each switch or uplink it hangs off. */
export function groupsOf(siteId: string, tags: readonly string[]): string[] {
  return [`site:${siteId}`, ...tags.filter((t) => t.startsWith('switch:') || t.startsWith('uplink:'))]
}

/** Whether `count` cameras out of a group of `size` make an incident. */
export function isIncident(count: number, size: number): boolean {
  return count >= 2 && (count >= INCIDENT_MIN_CAMERAS || count >= Math.ceil(INCIDENT_SHARE * size))
}

/** Opens of one rule and group within the window around `ts`, one per camera. */
export function membersNear(recent: readonly RecentOpen[], ruleId: string, group: string, ts: number): RecentOpen[] {
  const byCamera = new Map<string, RecentOpen>()
  for (const o of recent) {
    if (o.ruleId !== ruleId || !o.groups.includes(group) || Math.abs(o.ts - ts) > INCIDENT_WINDOW_MS) continue
    if (!byCamera.has(o.cameraId)) byCamera.set(o.cameraId, o)
  }
  return [...byCamera.values()]
}
