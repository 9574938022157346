import type { StatusChange } from './fleet-state.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** Status changes of one camera seen on the stream since the console opened, oldest first. */
export function useStatusChanges(cameraId: string): readonly StatusChange[] {
  useStoreKey(Keys.camera(cameraId))
  return useLiveStore().fleet.statusChanges(cameraId)
}
