import { useEffect, useRef } from 'preact/hooks'
import type { TelemetryData } from './camtel.js'
import { useLiveStore } from './store-context.js'

/** Calls `onReport` with each live report of one camera, once per frame at most in a batch. */
export function useTelemetry(cameraId: string, onReport: (d: TelemetryData) => void): void {
  const store = useLiveStore()
  // The latest callback, without resubscribing on every render.
  const ref = useRef(onReport)
  ref.current = onReport
  useEffect(() => store.watchTelemetry(cameraId, (d) => ref.current(d)), [store, cameraId])
}
