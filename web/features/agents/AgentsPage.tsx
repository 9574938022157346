import './agents.css'
import { useMemo } from 'preact/hooks'
import { useCameras } from '../../api/use-cameras.js'
import { useSites } from '../../api/use-sites.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime, formatDuration, formatNumber } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { Panel } from '../../ui/Panel.js'
import { StatusDot } from '../../ui/StatusDot.js'
import { useNow } from '../../ui/use-now.js'
import { useThrottled } from '../../ui/use-throttled.js'
import { type AgentRow, agentRows, formatBytes } from './agents.js'

/** Agents report every few seconds; the table follows them at a calm pace. */
const REDRAW_MS = 1000

/** Edge agents (`camtel agent`): buffer depth, oldest buffered report, upload rate, last success. */
export function AgentsPage() {
  const { cameras, version } = useCameras()
  const sites = useSites()
  const now = useNow(1000)
  const calm = useThrottled(version, REDRAW_MS)
  const rows = useMemo(() => agentRows(cameras.values()), [cameras, calm])
  const buffered = rows.reduce((n, r) => n + (r.bufferReports ?? 0), 0)
  return (
    <div class="page agents-page">
      <Panel
        title="Edge agents"
        fill
        actions={
          rows.length > 0 && (
            <span class="muted" data-testid="agents-summary">
              {rows.length} {rows.length === 1 ? 'agent' : 'agents'} · {buffered.toLocaleString('en-GB')} reports buffered
            </span>
          )
        }
      >
        <p class="muted intro">
          Agents store reports near the cameras and forward them; through an outage they buffer and then send the backlog, oldest first, while live reports keep
          flowing. Each reports its own health every few seconds as the camera <code>agent:&lt;name&gt;</code>.
        </p>
        {rows.length === 0 ? (
          <p class="empty">
            No edge agent has reported yet. Start one with <code>camtel agent --server … --token … --buffer …</code>; it appears here with its first health report.
          </p>
        ) : (
          <table class="table agents-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Site</th>
                <th class="num">Buffered</th>
                <th class="num">Oldest buffered</th>
                <th class="num">Upload rate</th>
                <th class="num">Dropped</th>
                <th>Last success</th>
                <th>Needs a look</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <AgentLine key={r.id} row={r} site={sites.get(r.camera.siteId)?.name ?? r.camera.siteId} now={now} />
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  )
}

function AgentLine({ row: r, site, now }: { row: AgentRow; site: string; now: number }) {
  const backlog = (r.oldestBufferedS ?? 0) > 300
  return (
    <tr data-agent={r.name} data-status={r.camera.status} class={r.concerns.length > 0 ? 'concern' : ''}>
      <td>
        <StatusDot status={r.camera.status} /> <Link href={paths.camera(r.id)}>{r.name}</Link>
      </td>
      <td class="muted">{site}</td>
      <td class="num tabular" data-field="buffer">
        {r.bufferReports === undefined ? '—' : r.bufferReports.toLocaleString('en-GB')}
        <span class="muted small"> · {formatBytes(r.bufferBytes)}</span>
      </td>
      <td class={`num tabular${backlog ? ' text-degraded' : ''}`} data-field="oldest">
        {r.oldestBufferedS === undefined ? '—' : r.oldestBufferedS === 0 ? 'empty' : formatDuration(r.oldestBufferedS * 1000)}
      </td>
      <td class="num tabular" data-field="rate">
        {r.uploadRate === undefined ? '—' : `${formatNumber(r.uploadRate)}/s`}
      </td>
      <td class={`num tabular${(r.droppedReports ?? 0) > 0 ? ' text-critical' : ''}`} data-field="dropped">
        {r.droppedReports === undefined ? '—' : r.droppedReports.toLocaleString('en-GB')}
      </td>
      <td class="tabular" data-field="last-success" title={r.lastSuccess ? formatDateTime(r.lastSuccess) : undefined}>
        {formatAgo(r.lastSuccess, now)}
      </td>
      <td class={r.concerns.length > 0 ? 'text-degraded' : 'muted'}>{r.concerns.length > 0 ? r.concerns.join(', ') : 'all well'}</td>
    </tr>
  )
}
