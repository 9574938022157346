import { Keys } from './fleet-state.js'
import type { Connection } from './live-store.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** The live stream's state as the console shows it. */
export function useConnection(): Connection {
  useStoreKey(Keys.connection)
  return useLiveStore().connection()
}
