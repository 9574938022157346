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
