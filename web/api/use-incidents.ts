import { useMemo } from 'preact/hooks'
import type { Incident } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** Incidents, open ones first, then newest first, live. */
export function useIncidents(): readonly Incident[] {
  const store = useLiveStore()
  const version = useStoreKey(Keys.incidents)
  return useMemo(
    () =>
      [...store.fleet.incidents.values()].sort(
        (a, b) => Number(a.state === 'resolved') - Number(b.state === 'resolved') || Date.parse(b.openedAt) - Date.parse(a.openedAt),
      ),
    [store, version],
  )
}
