import { useMemo } from 'preact/hooks'
import { type FleetSummary, Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** Counts by status, fleet-wide and per site, live (the shape of GET /api/v1/fleet/summary). */
export function useFleetSummary(): FleetSummary {
  const store = useLiveStore()
  const version = useStoreKey(Keys.summary)
  return useMemo(() => store.fleet.summary(), [store, version])
}
