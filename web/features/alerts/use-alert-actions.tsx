import type { ComponentChildren } from 'preact'
import { useCallback, useState } from 'preact/hooks'
import type { Alert } from '../../api/camtel.js'
import { useLiveStore } from '../../api/store-context.js'
import { useCanOperate } from '../../app/session.js'
import { AckDialog } from './AckDialog.js'
import { SilenceDialog, type SilenceTarget } from './SilenceDialog.js'

export interface AlertActions {
  /** Undefined for viewers, who may not act. */
  ack: ((a: Alert) => void) | undefined
  silence: ((target: SilenceTarget) => void) | undefined
  /** The open dialog, if any: render it somewhere in the page. */
  dialog: ComponentChildren
}

/** Acknowledge and silence, with their dialogs; shared by the alerts page and the drill-down. */
export function useAlertActions(onSilenced?: () => void): AlertActions {
  const store = useLiveStore()
  const canOperate = useCanOperate()
  const [acking, setAcking] = useState<Alert>()
  const [silencing, setSilencing] = useState<SilenceTarget>()
  const closeAck = useCallback(() => setAcking(undefined), [])
  const closeSilence = useCallback(() => setSilencing(undefined), [])
  const ack = useCallback((a: Alert) => setAcking(a), [])
  const silence = useCallback((t: SilenceTarget) => setSilencing(t), [])
  const dialog = acking ? (
    <AckDialog alert={acking} cameraName={store.fleet.cameras.get(acking.cameraId)?.name ?? acking.cameraId} onClose={closeAck} />
  ) : silencing ? (
    <SilenceDialog target={silencing} onClose={closeSilence} onCreated={onSilenced} />
  ) : null
  return { ack: canOperate ? ack : undefined, silence: canOperate ? silence : undefined, dialog }
}
