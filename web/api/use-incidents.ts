import { useMemo } from 'preact/hooks'
import type { Incident } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey, useStoreKeyAtMost } from './store-context.js'

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

/**
 * How many incidents are open, re-counted at most every `ms` (on the clock's ticks, with the other
 * views that follow the store): for the top bar on every page, which a storm of alerts opening and
 * resolving incidents would otherwise repaint at every batch.
 */
export function useOpenIncidentCount(ms: number): number {
  const store = useLiveStore()
  const version = useStoreKeyAtMost(Keys.incidents, ms)
  return useMemo(() => {
    let n = 0
    for (const i of store.fleet.incidents.values()) if (i.state !== 'resolved') n++
    return n
  }, [store, version])
}
