import { useState } from 'preact/hooks'
import { useClient } from '../../api/store-context.js'
import { useCameras } from '../../api/use-cameras.js'
import { useSites } from '../../api/use-sites.js'
import { Dialog } from '../../ui/Dialog.js'
import { formatDateTime } from '../../ui/format.js'
import { useToast } from '../../ui/toasts.js'

export interface SilenceTarget {
  kind: 'camera' | 'site'
  id: string
}

interface Props {
  target: SilenceTarget
  onClose: () => void
  onCreated?: () => void
}

const DURATIONS = [
  { label: '30 min', ms: 30 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '2 h', ms: 2 * 3_600_000 },
  { label: '4 h', ms: 4 * 3_600_000 },
  { label: '8 h', ms: 8 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
] as const

/** A `datetime-local` value for an instant, in the browser's time zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000)
  return d.toISOString().slice(0, 16)
}

/** A maintenance window for a camera or a whole site: alerts are still recorded, nobody is notified. */
export function SilenceDialog({ target, onClose, onCreated }: Props) {
  const client = useClient()
  const toast = useToast()
  const { cameras } = useCameras()
  const sites = useSites()
  const camera = target.kind === 'camera' ? cameras.get(target.id) : undefined
  const siteId = target.kind === 'site' ? target.id : (camera?.siteId ?? '')
  const [kind, setKind] = useState(target.kind)
  const [start, setStart] = useState(() => localInput(Date.now()))
  const [duration, setDuration] = useState<number>(DURATIONS[1].ms)
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const from = Date.parse(start)
  const to = from + duration
  const subject = kind === 'camera' ? `camera ${camera?.name ?? target.id}` : `site ${sites.get(siteId)?.name ?? siteId}`

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!Number.isFinite(from)) return setError('Give a start time.')
    setBusy(true)
    try {
      const scope = kind === 'camera' ? { camera: target.id } : { site: siteId }
      await client.createSilence({ scope, from, to, reason: reason.trim() })
      toast(`Silenced ${subject} until ${formatDateTime(to)}`)
      onCreated?.()
      onClose()
    } catch (err) {
      setError((err as Error).message)
      setBusy(false)
    }
  }
  return (
    <Dialog title="Silence for a maintenance window" onClose={onClose}>
      <form onSubmit={submit} class="form">
        <fieldset class="radio-row">
          <legend>Silence</legend>
          {target.kind === 'camera' && (
            <label>
              <input type="radio" name="kind" checked={kind === 'camera'} onChange={() => setKind('camera')} /> camera {camera?.name ?? target.id}
            </label>
          )}
          {siteId !== '' && (
            <label>
              <input type="radio" name="kind" checked={kind === 'site'} onChange={() => setKind('site')} /> all of site {sites.get(siteId)?.name ?? siteId}
            </label>
          )}
        </fieldset>
        <label>
          From
          <input type="datetime-local" name="from" value={start} onInput={(e) => setStart(e.currentTarget.value)} required />
        </label>
        <div class="field">
          <span>For</span>
          <div class="chips">
            {DURATIONS.map((d) => (
              <button key={d.ms} type="button" class={`chip${duration === d.ms ? ' on' : ''}`} onClick={() => setDuration(d.ms)}>
                {d.label}
              </button>
            ))}
          </div>
          <span class="muted tabular">{Number.isFinite(to) ? `until ${formatDateTime(to)}` : ''}</span>
        </div>
        <label>
          Reason
          <input type="text" name="reason" required maxLength={500} placeholder="Replacing the PoE switch in rack B" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        {error && <p class="form-error">{error}</p>}
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || reason.trim() === ''}>
            Silence {subject}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
