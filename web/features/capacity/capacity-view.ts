import type { CameraCapacity, SiteCapacity } from '../../api/camtel.js'

/** Cameras outside their retention policy, furthest outside first. */
export function retentionMisses(cameras: readonly CameraCapacity[]): CameraCapacity[] {
  const distance = (c: CameraCapacity) => {
    const d = c.retentionDays ?? 0
    if (c.minDays !== null && d < c.minDays) return c.minDays - d
    if (c.maxDays !== null && d > c.maxDays) return d - c.maxDays
    return 0
  }
  return cameras.filter((c) => c.retentionOk === false).sort((a, b) => distance(b) - distance(a) || a.cameraId.localeCompare(b.cameraId))
}

/** Disks that are filling, soonest full first. */
export function fillingDisks(cameras: readonly CameraCapacity[]): CameraCapacity[] {
  return cameras.filter((c) => c.daysUntilFull !== null).sort((a, b) => (a.daysUntilFull as number) - (b.daysUntilFull as number) || a.cameraId.localeCompare(b.cameraId))
}

/** Sites by urgency: an uplink date first (soonest first), then by share of the uplink in use. */
export function sitesByUrgency(sites: readonly SiteCapacity[]): SiteCapacity[] {
  const share = (s: SiteCapacity) => (s.uplinkMbps && s.uplinkPeakMbps !== null ? s.uplinkPeakMbps / s.uplinkMbps : 0)
  return [...sites].sort((a, b) => {
    const fa = a.uplinkFullAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.uplinkFullAt)
    const fb = b.uplinkFullAt === null ? Number.POSITIVE_INFINITY : Date.parse(b.uplinkFullAt)
    return fa - fb || share(b) - share(a) || a.siteId.localeCompare(b.siteId)
  })
}

/** The policy range in words: "7–30 days", "at least 7 days", "at most 30 days". */
export function rangeText(minDays: number | null, maxDays: number | null): string {
  if (minDays !== null && maxDays !== null) return `${minDays}–${maxDays} days`
  if (minDays !== null) return `at least ${minDays} days`
  if (maxDays !== null) return `at most ${maxDays} days`
  return 'no policy'
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']

export function formatBytes(bytes: number): string {
  let v = Math.abs(bytes)
  let i = 0
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  return `${bytes < 0 ? '−' : ''}${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${UNITS[i]}`
}

/** A line y = level + slope·(t − at) over [from, to], for drawing a trend beside its data. */
export function trendLine(level: number, perDay: number, at: number, from: number, to: number): Array<[number, number]> {
  const y = (t: number) => level + (perDay * (t - at)) / 86_400_000
  return [
    [from, y(from)],
    [to, y(to)],
  ]
}

/** A projected date: the day is what planning needs, not the second. */
export function formatDate(at: string | number): string {
  return new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })
}
