import { useState } from 'preact/hooks'
import type { Alert } from '../../api/camtel.js'
import { useClient } from '../../api/store-context.js'
import { Dialog } from '../../ui/Dialog.js'
import { useToast } from '../../ui/toasts.js'

interface Props {
  alert: Alert
  cameraName: string
  onClose: () => void
}

/** Acknowledge with an optional note: who is on it, and what they found. */
export function AckDialog({ alert, cameraName, onClose }: Props) {
  const client = useClient()
  const toast = useToast()
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    try {
      await client.acknowledge(alert.id, note.trim() === '' ? undefined : note.trim())
      toast(`Acknowledged ${alert.ruleId} on ${cameraName}`)
      onClose()
    } catch (err) {
      setError((err as Error).message)
      setBusy(false)
    }
  }
  return (
    <Dialog title={`Acknowledge ${alert.ruleId} on ${cameraName}`} onClose={onClose}>
      <form onSubmit={submit} class="form">
        <label>
          Note <span class="muted">(optional)</span>
          <textarea name="note" rows={3} maxLength={2000} placeholder="Technician on the way; ticket 4711" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        {error && <p class="form-error">{error}</p>}
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            Acknowledge
          </button>
        </div>
      </form>
    </Dialog>
  )
}
