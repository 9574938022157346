import { useEffect, useMemo, useState } from 'preact/hooks'
import type { WorkOrder } from './camtel.js'
import { useClient } from './store-context.js'

export type { WorkOrder } from './camtel.js'

/** The newest tickets read; enough for every open one and the recent closed ones. */
const LIMIT = 2000
/** A burst of `workorder` events (a status report per ticket, a storm of tickets) costs one read. */
const RELOAD_AFTER_MS = 300

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
 * Maintenance tickets (DESIGN §7), live: read over REST, and read again whenever the stream's
 * `workorder` topic says one was made or changed. The topic has a subscription of its own while
 * a view that shows tickets is open; the console's main stream carries the fleet.
 */
export function useWorkOrders(): WorkOrders {
  const client = useClient()
  const [state, setState] = useState<{ all: readonly WorkOrder[]; error?: string }>({ all: [] })
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    let generation = 0
    const load = () => {
      const mine = ++generation
      client.workOrders({ limit: LIMIT }).then(
        (all) => live && mine === generation && setState({ all }),
        (err: Error) => live && mine === generation && setState((s) => ({ all: s.all, error: err.message })),
      )
    }
    const soon = () => {
      timer ??= setTimeout(() => {
        timer = undefined
        load()
      }, RELOAD_AFTER_MS)
    }
    const stream = client.stream({ topics: ['workorder'] })
    // The first connection, and any gap the server cannot replay, begin with a reset.
    const offReset = stream.on('reset', load)
    const offEvent = stream.on('event', soon)
    return () => {
      live = false
      if (timer) clearTimeout(timer)
      offReset()
      offEvent()
      stream.close()
    }
  }, [client])
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
