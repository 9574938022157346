import { useMemo } from 'preact/hooks'
import type { Alert } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey, useStoreKeyAtMost } from './store-context.js'

const newestFirst = (a: Alert, b: Alert) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || b.id - a.id

/** Every alert the console holds (open ones and recent others), newest first, live. */
export function useAlerts(): readonly Alert[] {
  const store = useLiveStore()
  const version = useStoreKey(Keys.alerts)
  return useMemo(() => [...store.fleet.alerts.values()].sort(newestFirst), [store, version])
}

/** One camera's alerts the console holds, newest first, live. */
export function useCameraAlerts(cameraId: string): readonly Alert[] {
  const store = useLiveStore()
  const version = useStoreKey(Keys.cameraAlerts(cameraId))
  return useMemo(() => [...store.fleet.alerts.values()].filter((a) => a.cameraId === cameraId).sort(newestFirst), [store, version, cameraId])
}

/** How many alerts are firing, live (with `ms`: re-counted at most that often); a count without the sort, for the top bar on every page. */
export function useFiringCount(ms?: number): number {
  const store = useLiveStore()
  const version = useStoreKeyAtMost(Keys.alerts, ms ?? 0)
  return useMemo(() => {
    let n = 0
    for (const a of store.fleet.alerts.values()) if (a.state === 'firing') n++
    return n
  }, [store, version])
}
