import type { CameraListItem } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKeyAtMost } from './store-context.js'

/**
 * The whole camera map and its version; for views over many cameras (list, map). With `ms`,
 * re-rendering at most once every `ms` rather than at every frame in which a camera changed.
 */
export function useCameras(ms?: number): { cameras: ReadonlyMap<string, CameraListItem>; version: number } {
  const version = useStoreKeyAtMost(Keys.cameras, ms ?? 0)
  return { cameras: useLiveStore().fleet.cameras, version }
}
