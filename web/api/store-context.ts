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

const waiting = new Map<number, Set<() => void>>()

/**
 * Calls `fn` once at the clock's next multiple of `ms`, in one task with every other `fn` waiting
 * on the same `ms`: views that follow at most every `ms` then change together, and the page is
 * laid out, painted and committed to the compositor once, not once each. Answers a cancel function.
 */
export function atNextTick(ms: number, fn: () => void): () => void {
  let set = waiting.get(ms)
  if (!set) {
    const due = new Set<() => void>()
    waiting.set(ms, (set = due))
    setTimeout(() => {
      waiting.delete(ms)
      for (const f of due) f()
    }, ms - (Date.now() % ms))
  }
  set.add(fn)
  const mine = set
  return () => void mine.delete(fn)
}

/**
 * useStoreKey, but re-rendering at most once every `ms` (the latest version is shown at the end
 * of each interval): for whole views whose counts may lag a quarter of a second rather than
 * re-render at every frame of a storm of events. With `ms` 0, the same as useStoreKey.
 */
export function useStoreKeyAtMost(key: string, ms: number): number {
  const store = useLiveStore()
  const [seen, setSeen] = useState(() => store.version(key))
  useEffect(() => {
    let last = 0
    let cancel: (() => void) | undefined
    const show = () => {
      cancel = undefined
      last = Date.now()
      setSeen(store.version(key))
    }
    const update = () => {
      if (cancel !== undefined) return
      if (ms <= 0 || Date.now() - last >= ms) return show()
      // On the clock's multiples of `ms`, together with every other view that waits on them.
      cancel = atNextTick(ms, show)
    }
    const off = store.subscribe(key, update)
    update()
    return () => {
      off()
      cancel?.()
    }
  }, [store, key, ms])
  return seen
}
