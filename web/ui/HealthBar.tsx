import type { ByStatus } from '../api/camtel.js'
import { STATUSES, STATUS_LABEL } from '../api/status.js'

/** Shares of each status as one stacked bar; widths animate, so changes read as movement, not flicker. */
export function HealthBar({ counts }: { counts: ByStatus }) {
  const total = STATUSES.reduce((n, s) => n + counts[s], 0)
  const title = STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${STATUS_LABEL[s]} ${counts[s]}`)
    .join(' · ')
  return (
    <div class="healthbar" title={title} role="img" aria-label={title || 'no cameras'}>
      {total > 0 && STATUSES.map((s) => counts[s] > 0 && <span key={s} class={`seg seg-${s}`} style={{ width: `${(100 * counts[s]) / total}%` }} />)}
    </div>
  )
}
