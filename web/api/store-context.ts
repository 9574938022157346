import { createContext } from 'preact'
import { useContext, useEffect, useState } from 'preact/hooks'
import type { CamtelClient } from './camtel.js'
import type { LiveStore } from './live-store.js'

export const StoreContext = createContext<LiveStore | null>(null)
export const ClientContext = createContext<CamtelClient | null>(null)

export function useLiveStore(): LiveStore {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useLiveStore outside of a StoreContext provider')
  return store
}

export function useClient(): CamtelClient {
  const client = useContext(ClientContext)
  if (!client) throw new Error('useClient outside of a ClientContext provider')
  return client
}

/**
 * Re-renders the component after each frame in which `key` changed, and answers the key's
 * version, to memoise what is derived from it. The foundation of every topic hook.
 */
export function useStoreKey(key: string): number {
  const store = useLiveStore()
  const [, setSeen] = useState(0)
  useEffect(() => {
    const update = () => setSeen(store.version(key))
    const off = store.subscribe(key, update)
    // A change between this render and the subscription would otherwise go unseen.
    update()
    return off
  }, [store, key])
  return store.version(key)
}

/**
 * useStoreKey, but re-rendering at most once every `ms` (the latest version is shown at the end
 * of each interval): for whole views whose counts may lag a quarter of a second rather than
 * re-render at every frame of a storm of events.
 */
export function useStoreKeyAtMost(key: string, ms: number): number {
  const store = useLiveStore()
  const [seen, setSeen] = useState(() => store.version(key))
  useEffect(() => {
    let last = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const show = () => {
      timer = undefined
      last = Date.now()
      setSeen(store.version(key))
    }
    const update = () => {
      if (timer !== undefined) return
      const wait = last + ms - Date.now()
      if (wait <= 0) show()
      else timer = setTimeout(show, wait)
    }
    const off = store.subscribe(key, update)
    update()
    return () => {
      off()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [store, key, ms])
  return seen
}
