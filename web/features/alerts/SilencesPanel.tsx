import './alerts.css'
import { useState } from 'preact/hooks'
import type { Scope, Silence } from '../../api/camtel.js'
import { useClient } from '../../api/store-context.js'
import { useCameras } from '../../api/use-cameras.js'
import { useRequest } from '../../api/use-request.js'
import { useSites } from '../../api/use-sites.js'
import { useCanOperate } from '../../app/session.js'
import { formatDateTime, formatDuration } from '../../ui/format.js'
import { Panel } from '../../ui/Panel.js'
import { useNow } from '../../ui/use-now.js'
import { useToast } from '../../ui/toasts.js'

/** Silences are not on the stream: they are re-read after each change and every half minute. */
const REFRESH_MS = 30_000

export function SilencesPanel({ refresh }: { refresh: number }) {
  const client = useClient()
  const toast = useToast()
  const canOperate = useCanOperate()
  const now = useNow(REFRESH_MS)
  const { data, error, reload } = useRequest((c) => c.silences(), [refresh, now])
  const [ending, setEnding] = useState<number>()
  const scopeText = useScopeText()
  const silences = (data ?? []).filter((s) => Date.parse(s.endedAt ?? s.to) > Date.now()).sort((a, b) => Date.parse(a.from) - Date.parse(b.from))
  const end = async (s: Silence) => {
    setEnding(s.id)
    try {
      await client.endSilence(s.id)
      toast(`Ended the silence of ${scopeText(s.scope)}`)
      reload()
    } catch (err) {
      toast((err as Error).message, 'error')
    } finally {
      setEnding(undefined)
    }
  }
  return (
    <Panel title="Maintenance windows" class="silences-panel" fill>
      {error && <p class="form-error">{error.message}</p>}
      {silences.length === 0 ? (
        <p class="empty">No silence is active or scheduled. Silence a camera or a site from one of its alerts, or from its page.</p>
      ) : (
        <ul class="silences">
          {silences.map((s) => (
            <li key={s.id} class={s.active ? 'active' : 'scheduled'} data-silence-id={s.id}>
              <div class="silence-head">
                <strong>{scopeText(s.scope)}</strong>
                <span class={`pill ${s.active ? 'pill-on' : ''}`}>{s.active ? 'active' : 'scheduled'}</span>
              </div>
              <div class="muted tabular">
                {formatDateTime(s.from)} → {formatDateTime(s.to)}
                {s.active && ` · ${formatDuration(Date.parse(s.to) - Date.now())} left`}
              </div>
              <div class="silence-reason">{s.reason}</div>
              <div class="silence-foot">
                <span class="muted">by {s.createdBy.replace(/^[a-z-]+:/, '')}</span>
                {canOperate && (
                  <button type="button" class="btn btn-small" disabled={ending === s.id} onClick={() => void end(s)}>
                    End now
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  )
}

function useScopeText(): (scope: Scope) => string {
  const { cameras } = useCameras()
  const sites = useSites()
  return (scope) => {
    if (scope === 'all') return 'All cameras'
    const parts: string[] = []
    if (scope.site !== undefined) parts.push(`Site ${sites.get(scope.site)?.name ?? scope.site}`)
    if (scope.camera !== undefined) parts.push(`Camera ${cameras.get(scope.camera)?.name ?? scope.camera}`)
    if (scope.tag !== undefined) parts.push(`Tag ${scope.tag}`)
    return parts.join(', ')
  }
}
