import type { Alert, Gap } from '../../api/camtel.js'
import type { StatusChange } from '../../api/fleet-state.js'
import { formatDateTime, formatDuration, formatNumber, formatTimeTick } from '../../ui/format.js'
import { buildTimeline, offlineFromChanges } from './timeline.js'

interface Props {
  from: number
  to: number
  /** When the camera was registered; before it nothing is known. */
  knownFrom: number | null
  neverReported: boolean
  alerts: readonly Alert[]
  changes: readonly StatusChange[]
  gaps: readonly Gap[]
}

/**
 * Online and offline over the chosen range, from the camera's `offline` alerts and the status
 * changes seen live; agent gaps (reports dropped at the edge, DESIGN §9a) are marked on top.
 */
export function ConnectivityTimeline({ from, to, knownFrom, neverReported, alerts, changes, gaps }: Props) {
  const offline = [
    ...alerts.filter((a) => a.ruleId === 'offline').map((a) => ({ from: Date.parse(a.openedAt), to: a.resolvedAt ? Date.parse(a.resolvedAt) : null })),
    ...offlineFromChanges(changes),
  ]
  const t = buildTimeline({ from, to, knownFrom: neverReported ? to : knownFrom, offline })
  const pos = (ms: number) => `${(100 * (ms - from)) / (to - from)}%`
  const shownGaps = gaps.map((g) => ({ ...g, a: Math.max(from, Date.parse(g.from)), b: Math.min(to, Date.parse(g.to)) })).filter((g) => g.b >= g.a)
  return (
    <div class="timeline" data-testid="connectivity">
      <div class="timeline-bar" role="img" aria-label={summary(t.online, t.outages)}>
        {t.segments.map((s) => (
          <span
            key={s.from}
            class={`tl tl-${s.state}`}
            style={{ left: pos(s.from), width: `calc(${pos(s.to)} - ${pos(s.from)})` }}
            title={`${s.state}: ${formatDateTime(s.from)} → ${formatDateTime(s.to)} (${formatDuration(s.to - s.from)})`}
          />
        ))}
        {shownGaps.map((g) => (
          <span
            key={g.from}
            class="tl tl-gap"
            style={{ left: pos(g.a), width: `max(3px, calc(${pos(g.b)} - ${pos(g.a)}))` }}
            title={`${g.reports} reports dropped by ${g.source}: ${formatDateTime(g.from)} → ${formatDateTime(g.to)}`}
          />
        ))}
      </div>
      <div class="timeline-axis muted tabular">
        <span>{formatTimeTick(from, to - from)}</span>
        <span>{formatTimeTick(from + (to - from) / 2, to - from)}</span>
        <span>now</span>
      </div>
      <p class="timeline-summary">
        {summary(t.online, t.outages)}
        {t.outages > 0 && <span class="muted"> · longest {formatDuration(t.longestOutageMs)}</span>}
        {shownGaps.length > 0 && <span class="text-degraded"> · {shownGaps.reduce((n, g) => n + g.reports, 0)} reports lost at the edge</span>}
      </p>
    </div>
  )
}

function summary(online: number | null, outages: number): string {
  if (online === null) return 'No report in this range'
  return `Online ${formatNumber(Math.round(online * 1000) / 10)} % · ${outages === 0 ? 'no outage' : `${outages} outage${outages === 1 ? '' : 's'}`}`
}
