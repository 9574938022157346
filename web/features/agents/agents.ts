import type { CameraListItem } from '../../api/camtel.js'
import { AGENT_PREFIX, isAgent } from '../../api/fleet-state.js'

/** Edge agents report their own health as the camera `agent:<name>` (DESIGN §9a). */
export { AGENT_PREFIX }

export interface AgentRow {
  /** The camera id, `agent:<name>`. */
  id: string
  name: string
  camera: CameraListItem
  /** Reports waiting in the agent's buffer. */
  bufferReports: number | undefined
  bufferBytes: number | undefined
  /** Age of the oldest buffered report, seconds. */
  oldestBufferedS: number | undefined
  /** Reports per second stored upstream over the agent's last interval. */
  uploadRate: number | undefined
  /** Reports dropped by the buffer cap (a counter). */
  droppedReports: number | undefined
  /** Gaps the agent has yet to record on the server. */
  gapsPending: number | undefined
  /** When the server last took a report from it: its last successful upload. */
  lastSuccess: string | null
  /** What needs a look, worst first; empty when all is well. */
  concerns: string[]
}

/** A backlog older than this means the uplink is not keeping up (or was down). */
const BACKLOG_CONCERN_S = 300

export function agentRows(cameras: Iterable<CameraListItem>): AgentRow[] {
  const out: AgentRow[] = []
  for (const c of cameras) {
    if (!isAgent(c.id)) continue
    const m = c.metrics
    const row: AgentRow = {
      id: c.id,
      name: c.id.slice(AGENT_PREFIX.length),
      camera: c,
      bufferReports: m.buffer_reports,
      bufferBytes: m.buffer_bytes,
      oldestBufferedS: m.oldest_buffered_s,
      uploadRate: m.upload_rate,
      droppedReports: m.dropped_reports,
      gapsPending: m.gaps_pending,
      lastSuccess: c.lastSeen,
      concerns: [],
    }
    if (c.status === 'offline') row.concerns.push('not reporting')
    if ((row.droppedReports ?? 0) > 0) row.concerns.push('has dropped reports')
    if ((row.oldestBufferedS ?? 0) > BACKLOG_CONCERN_S) row.concerns.push('backlog')
    out.push(row)
  }
  // Those that need a look first, then by name.
  return out.sort((a, b) => b.concerns.length - a.concerns.length || a.name.localeCompare(b.name))
}

/** `1.2 MB`, `340 kB`, `12 B` */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—'
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`
  return `${Math.round(n)} B`
}
