import type { Gap } from '../../api/camtel.js'
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js'

/** Reports an edge agent dropped for good (its buffer cap, DESIGN §9a), newest first. */
export function GapList({ gaps, now }: { gaps: readonly Gap[]; now: number }) {
  const newest = [...gaps].sort((a, b) => Date.parse(b.from) - Date.parse(a.from))
  const lost = gaps.reduce((n, g) => n + g.reports, 0)
  return (
    <div class="gaps" data-testid="gaps">
      <p class="small muted">
        {lost.toLocaleString('en-GB')} {lost === 1 ? 'report' : 'reports'} in {gaps.length} {gaps.length === 1 ? 'gap' : 'gaps'}: the edge agent&apos;s buffer was full and it
        dropped its oldest reports. They cannot be recovered; charts and alerts have nothing for these times.
      </p>
      <ul class="gap-items">
        {newest.map((g) => (
          <li key={`${g.from} ${g.source}`} class="gap-item" data-from={g.from}>
            <span class="gap-range tabular">
              {formatDateTime(g.from)} → {formatDateTime(g.to)}
            </span>
            <span class="muted small">
              {formatDuration(Date.parse(g.to) - Date.parse(g.from))} · <strong class="text-degraded">{g.reports.toLocaleString('en-GB')} reports</strong> dropped by{' '}
              <code>{g.source}</code> · recorded {formatAgo(g.updatedAt, now)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}
