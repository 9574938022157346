import './fleet.css'
import type { ByStatus, CameraStatus } from '../../api/camtel.js'
import { STATUSES, STATUS_LABEL } from '../../api/status.js'
import { formatCount } from '../../ui/format.js'

interface Props {
  counts: ByStatus
  total: number
  selected?: CameraStatus | 'all'
  onSelect?: (status: CameraStatus | 'all') => void
  /** What the total counts: "all sites", "this site". */
  scope?: string
}

/** The fleet at a glance: one tile per status, the total first. A tile filters the list. */
export function StatusTiles({ counts, total, selected = 'all', onSelect, scope = 'all sites' }: Props) {
  // One camera in ten thousand is not "0 %": it is there, and must read so.
  const pct = (n: number) => {
    if (total === 0 || n === 0) return '0'
    const p = Math.round((1000 * n) / total) / 10
    return p === 0 ? '< 0.1' : p === 100 && n < total ? '> 99.9' : String(p)
  }
  return (
    <div class="tiles" role="list" aria-label="Cameras by status">
      <button type="button" role="listitem" class={`tile tile-total${selected === 'all' ? ' on' : ''}`} data-count="total" onClick={() => onSelect?.('all')}>
        <span class="tile-label">Cameras</span>
        <span class="tile-value">{formatCount(total)}</span>
        <span class="tile-sub">{scope}</span>
      </button>
      {STATUSES.map((s) => (
        <button
          type="button"
          role="listitem"
          key={s}
          class={`tile tile-${s}${counts[s] > 0 ? ' has' : ''}${selected === s ? ' on' : ''}`}
          data-count={s}
          onClick={() => onSelect?.(selected === s ? 'all' : s)}
        >
          <span class="tile-label">
            <span class={`dot dot-${s}`} />
            {STATUS_LABEL[s]}
          </span>
          <span class="tile-value">{formatCount(counts[s])}</span>
          <span class="tile-sub">{pct(counts[s])} %</span>
        </button>
      ))}
    </div>
  )
}
