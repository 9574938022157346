import { useEffect, useMemo, useState } from 'preact/hooks'
import type { WorkOrder } from './camtel.js'
import { Keys } from './fleet-state.js'
import { useClient, useStoreKeyAtMost } from './store-context.js'

export type { WorkOrder } from './camtel.js'

/** The newest tickets read; enough for every open one and the recent closed ones. */
const LIMIT = 2000
/** A burst of `workorder` events (a status report per ticket, a storm of tickets) costs one read. */
const RELOAD_AFTER_MS = 250

export interface WorkOrders {
  /** Newest first. */
  all: readonly WorkOrder[]
  /** The ticket each alert made or joined. */
  byAlert: ReadonlyMap<number, WorkOrder>
  /** The latest ticket of each (camera, problem), by `cameraId problem`. */
  latestOf: ReadonlyMap<string, WorkOrder>
  error: string | undefined
}

export const problemKey = (cameraId: string, problem: string) => `${cameraId} ${problem}`

/**
 * Maintenance tickets (DESIGN §7), live: read over REST, and read again after the console's
 * stream says one was made, delivered or reported on (its `workorder` topic), or after it
 * resynchronised. A burst of such events costs one read a tick. `camera`: that camera's only.
 */
export function useWorkOrders(query: { camera?: string } = {}): WorkOrders {
  const client = useClient()
  const version = useStoreKeyAtMost(Keys.workOrders, RELOAD_AFTER_MS)
  const [state, setState] = useState<{ all: readonly WorkOrder[]; error?: string }>({ all: [] })
  const { camera } = query
  useEffect(() => {
    let live = true
    client.workOrders({ camera, limit: LIMIT }).then(
      (all) => live && setState({ all }),
      (err: Error) => live && setState((s) => ({ all: s.all, error: err.message })),
    )
    return () => {
      live = false
    }
  }, [client, version, camera])
  return useMemo(() => {
    const byAlert = new Map<number, WorkOrder>()
    const latestOf = new Map<string, WorkOrder>()
    // Oldest first, so that newer tickets win.
    for (const w of [...state.all].reverse()) {
      for (const id of w.alertIds) byAlert.set(id, w)
      latestOf.set(problemKey(w.cameraId, w.problem), w)
    }
    return { all: state.all, byAlert, latestOf, error: state.error }
  }, [state])
}
