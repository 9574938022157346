import type { Site } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

export function useSites(): ReadonlyMap<string, Site> {
  useStoreKey(Keys.sites)
  return useLiveStore().fleet.sites
}
