import './incidents.css'
import { useState } from 'preact/hooks'
import type { Incident } from '../../api/camtel.js'
import { useCameras } from '../../api/use-cameras.js'
import { useSites } from '../../api/use-sites.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js'
import { HealthBar } from '../../ui/HealthBar.js'
import { Link } from '../../ui/Link.js'
import { StatusDot } from '../../ui/StatusDot.js'
import { useNow } from '../../ui/use-now.js'
import { emptyByStatus } from '../../api/status.js'

/** Incidents: many cameras of one site, switch or uplink alerting on one rule (DESIGN §5). */
export function IncidentList({ incidents, empty }: { incidents: readonly Incident[]; empty: string }) {
  const [open, setOpen] = useState<number>()
  const now = useNow(5000)
  if (incidents.length === 0) return <p class="empty">{empty}</p>
  return (
    <ul class="incidents">
      {incidents.map((i) => (
        <IncidentItem key={i.id} incident={i} now={now} expanded={open === i.id} onToggle={() => setOpen(open === i.id ? undefined : i.id)} />
      ))}
    </ul>
  )
}

function IncidentItem({ incident: i, now, expanded, onToggle }: { incident: Incident; now: number; expanded: boolean; onToggle: () => void }) {
  const { cameras } = useCameras()
  const sites = useSites()
  const counts = emptyByStatus()
  for (const id of i.cameras) counts[cameras.get(id)?.status ?? 'unknown']++
  const end = i.resolvedAt ? Date.parse(i.resolvedAt) : now
  const resolved = i.state === 'resolved'
  return (
    <li class={`incident ${resolved ? 'resolved' : 'open'}`} data-incident-id={i.id}>
      <button type="button" class="incident-head" aria-expanded={expanded} onClick={onToggle}>
        <span class={`pill ${resolved ? '' : 'pill-critical'}`}>{i.state}</span>
        <span class="incident-title">
          <strong>{i.ruleId}</strong> on {i.cameras.length} cameras of {sites.get(i.siteId)?.name ?? i.siteId}
          {i.group && !i.group.startsWith('site:') && <span class="muted"> · {i.group}</span>}
        </span>
        <span class="incident-bar">
          <HealthBar counts={counts} />
        </span>
        <span class="muted tabular" title={formatDateTime(i.openedAt)}>
          {formatAgo(i.openedAt, now)} · {resolved ? 'lasted' : 'open'} {formatDuration(end - Date.parse(i.openedAt))}
        </span>
      </button>
      {expanded && (
        <ul class="incident-members">
          {i.cameras.map((id) => {
            const c = cameras.get(id)
            return (
              <li key={id}>
                <StatusDot status={c?.status ?? 'unknown'} />
                <Link href={paths.camera(id)}>{c?.name ?? id}</Link>
              </li>
            )
          })}
        </ul>
      )}
    </li>
  )
}
