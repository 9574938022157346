import { useMemo } from 'preact/hooks'
import { type FleetSummary, Keys } from './fleet-state.js'
import { useLiveStore, useStoreKeyAtMost } from './store-context.js'

/**
 * Counts by status, fleet-wide and per site, live (the shape of GET /api/v1/fleet/summary).
 * With `calmMs`, the component re-renders at most that often, however many statuses change.
 */
export function useFleetSummary(calmMs = 0): FleetSummary {
  const store = useLiveStore()
  const version = useStoreKeyAtMost(Keys.summary, calmMs)
  return useMemo(() => store.fleet.summary(), [store, version])
}
