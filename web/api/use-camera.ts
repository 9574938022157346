import type { CameraListItem, CameraStatus } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useLiveStore, useStoreKey } from './store-context.js'

/** One camera as the live store has it (registry fields, status, latest metrics). */
export function useCamera(id: string): CameraListItem | undefined {
  useStoreKey(Keys.camera(id))
  return useLiveStore().fleet.cameras.get(id)
}

/** One camera's health status, live. */
export function useCameraStatus(id: string): CameraStatus | undefined {
  return useCamera(id)?.status
}
