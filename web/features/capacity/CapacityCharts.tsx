import type { CameraCapacity, SiteCapacity } from '../../api/camtel.js'
import { useRequest } from '../../api/use-request.js'
import { SeriesChart } from '../camera/index.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** How far the charts draw a projection past the latest data. */
const AHEAD_MS = 90 * DAY
/** The history behind the disk trend (the server's window). */
const DISK_WINDOW_MS = 21 * DAY

/** Points of a straight trend at the given times. */
function along(times: readonly number[], level: number, perDay: number, at: number): Array<[number, number]> {
  return times.map((t) => [t, Math.round((level + (perDay * (t - at)) / DAY) * 1000) / 1000])
}

/** The disk history of one camera (hourly, over the trend's window) and its projection to full. */
export function DiskTrendChart({ camera }: { camera: CameraCapacity }) {
  const asOf = camera.asOf === null ? Date.now() : Date.parse(camera.asOf)
  const fullAt = camera.daysUntilFull === null ? undefined : asOf + camera.daysUntilFull * DAY
  const to = Math.min(asOf + AHEAD_MS, fullAt ?? asOf)
  const history = useRequest(
    (client) => client.series(camera.cameraId, { metric: 'disk_used_pct', from: asOf - DISK_WINDOW_MS, to: asOf, step: '1h' }),
    [camera.cameraId, camera.asOf],
  )
  const series = history.data
  const from = series?.points[0]?.[0] ?? asOf - DISK_WINDOW_MS
  const rate = camera.diskPctPerDay
  let projection: Array<[number, number]> | undefined
  if (series && rate !== null && fullAt !== undefined) {
    const times: number[] = []
    for (let t = Math.ceil(from / HOUR) * HOUR; t <= to; t += HOUR) times.push(t)
    projection = along(times, 100, rate, fullAt)
  }
  // The trend first, so that the data is drawn over it.
  return (
    <SeriesChart
      title={`${camera.cameraId} · disk used`}
      metrics={projection ? ['trend', 'disk_used_pct'] : ['disk_used_pct']}
      series={projection ? [{ points: projection }, series] : [series]}
      from={from}
      to={Math.max(to, asOf)}
      thresholds={[{ value: 100, severity: 'critical', label: 'full' }]}
      unit="%"
    />
  )
}

/** A site's daily busiest hour of summed bandwidth, its trend and the registered uplink capacity. */
export function UplinkTrendChart({ site }: { site: SiteCapacity }) {
  const peaks = site.uplinkPeaks
  const first = peaks[0]?.[0]
  const last = peaks.at(-1)?.[0]
  const asOf = site.asOf === null ? (last ?? Date.now()) : Date.parse(site.asOf)
  const fullAt = site.uplinkFullAt === null ? undefined : Date.parse(site.uplinkFullAt)
  const from = first ?? asOf - 28 * DAY
  const to = Math.min(asOf + AHEAD_MS, fullAt ?? asOf)
  let projection: Array<[number, number]> | undefined
  if (site.uplinkPeakMbps !== null && site.uplinkMbpsPerDay !== null && last !== undefined) {
    const times = peaks.map(([t]) => t)
    for (let t = last + DAY; t <= to + DAY / 2; t += DAY) times.push(t)
    projection = along(times, site.uplinkPeakMbps, site.uplinkMbpsPerDay, asOf)
  }
  return (
    <SeriesChart
      title={`${site.name} · busiest hour of the day`}
      metrics={projection ? ['trend', 'uplink_peak'] : ['uplink_peak']}
      series={projection ? [{ points: projection }, { points: peaks }] : [{ points: peaks }]}
      from={from}
      to={Math.max(to, asOf)}
      thresholds={site.uplinkMbps === null ? [] : [{ value: site.uplinkMbps, severity: 'critical', label: 'uplink' }]}
      unit="Mbit/s"
    />
  )
}

/** A site's cloud storage in use per day. */
export function CloudChart({ site }: { site: SiteCapacity }) {
  const points = site.cloudDaily
  const from = points[0]?.[0] ?? Date.now() - 21 * DAY
  const to = (points.at(-1)?.[0] ?? Date.now()) + HOUR
  return <SeriesChart title={`${site.name} · cloud storage`} metrics={['cloud_used_gb']} series={[{ points }]} from={from} to={to} thresholds={[]} unit="GB" />
}
