import { useMemo } from 'preact/hooks'
import type { Prediction } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

const riskiestFirst = (a: Prediction, b: Prediction) => b.risk - a.risk || a.cameraId.localeCompare(b.cameraId) || a.mode.localeCompare(b.mode)

/** Raised predictions, highest risk first, live; `enabled` is false where the plan has none. */
export function usePredictions(): { predictions: readonly Prediction[]; enabled: boolean } {
  const store = useLiveStore()
  const version = useStoreKey(Keys.predictions)
  const predictions = useMemo(() => [...store.fleet.predictions.values()].sort(riskiestFirst), [store, version])
  return { predictions, enabled: store.fleet.predictionsEnabled }
}

/** One camera's raised predictions, highest risk first, live. */
export function useCameraPredictions(cameraId: string): readonly Prediction[] {
  const store = useLiveStore()
  const version = useStoreKey(Keys.cameraPredictions(cameraId))
  return useMemo(() => [...store.fleet.predictions.values()].filter((p) => p.cameraId === cameraId).sort(riskiestFirst), [store, version, cameraId])
}
