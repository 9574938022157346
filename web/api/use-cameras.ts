import type { CameraListItem } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** The whole camera map and its version; for views over many cameras (list, map). */
export function useCameras(): { cameras: ReadonlyMap<string, CameraListItem>; version: number } {
  const version = useStoreKey(Keys.cameras)
  return { cameras: useLiveStore().fleet.cameras, version }
}
