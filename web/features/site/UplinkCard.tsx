import { useMemo } from 'preact/hooks'
import type { Site } from '../../api/camtel.js'
import { useCameras } from '../../api/use-cameras.js'
import { formatNumber } from '../../ui/format.js'
import { useThrottled } from '../../ui/use-throttled.js'

/** The site's uplink: its registered capacity against what its cameras report sending now. */
export function UplinkCard({ site }: { site: Site }) {
  const { cameras, version } = useCameras()
  const calm = useThrottled(version, 1000)
  const { used, reporting } = useMemo(() => {
    let used = 0
    let reporting = 0
    for (const c of cameras.values()) {
      const bw = c.metrics.bandwidth_mbps
      if (c.siteId !== site.id || bw === undefined || c.status === 'offline') continue
      used += bw
      reporting++
    }
    return { used, reporting }
  }, [cameras, calm, site.id])
  const capacity = site.uplinkMbps
  const pct = capacity ? Math.min(100, (100 * used) / capacity) : undefined
  const level = pct === undefined ? '' : pct >= 90 ? 'critical' : pct >= 75 ? 'degraded' : 'ok'
  return (
    <div class="uplink" data-testid="uplink">
      <div class="uplink-figures tabular">
        <span class="big">{formatNumber(used)}</span>
        <span class="muted">{capacity ? ` of ${formatNumber(capacity)} Mbit/s` : ' Mbit/s'}</span>
        {pct !== undefined && <span class={`uplink-pct text-${level}`}>{formatNumber(pct)} %</span>}
      </div>
      {pct !== undefined && (
        <div class="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label="Uplink use">
          <span class={`meter-fill bg-${level}`} style={{ width: `${pct}%` }} />
        </div>
      )}
      <p class="muted small">
        Sum of the latest <code>bandwidth_mbps</code> of {reporting} online camera{reporting === 1 ? '' : 's'}
        {capacity ? '' : '; no uplink capacity is registered for this site (uplinkMbps)'}.
      </p>
    </div>
  )
}
