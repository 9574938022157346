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

/** Functions waiting for a clock tick, by the tick's time (epoch ms): one timer, one task each. */
const waiting = new Map<number, Set<() => void>>()

/**
 * Calls `fn` once at the clock's next multiple of `ms`, in one task with every other `fn` due at
 * the same moment, whatever their `ms` (a 1 s tick is also a 250 ms one): views that follow at
 * most every `ms` then change together, and the page is laid out, painted and committed to the
 * compositor once, not once each. Answers a cancel function.
 */
export function atNextTick(ms: number, fn: () => void): () => void {
  const now = Date.now()
  const due = now - (now % ms) + ms
  let set = waiting.get(due)
  if (!set) {
    const fns = new Set<() => void>()
    waiting.set(due, (set = fns))
    setTimeout(() => {
      waiting.delete(due)
      for (const f of fns) f()
    }, due - now)
  }
  set.add(fn)
  const mine = set
  return () => void mine.delete(fn)
}

/**
 * useStoreKey, but re-rendering at most once every `ms`, always on the clock's multiples of `ms`
 * (the latest version is shown then): for whole views whose counts may lag a quarter of a second
 * rather than re-render at every batch of a storm of events. Every view that waits on the same
 * ticks changes in the same task, so that a storm costs one frame per tick, not one per view.
 * With `ms` 0, the same as useStoreKey.
 */
export function useStoreKeyAtMost(key: string, ms: number): number {
  const store = useLiveStore()
  const [seen, setSeen] = useState(() => store.version(key))
  useEffect(() => {
    let cancel: (() => void) | undefined
    const show = () => {
      cancel = undefined
      setSeen(store.version(key))
    }
    const update = () => {
      if (ms <= 0) return show()
      cancel ??= atNextTick(ms, show)
    }
    const off = store.subscribe(key, update)
    // A change between the first render and the subscription would otherwise go unseen.
    if (store.version(key) !== seen) update()
    return () => {
      off()
      cancel?.()
    }
  }, [store, key, ms])
  return seen
}

/**
 * Calls `fn` at the clock's multiples of `ms` that follow a change of `key` (at most once a tick,
 * in the same task as the views that follow the store on those ticks), outside of any render:
 * for what draws itself (the map's markers). Answers the unsubscribe function.
 */
export function onStoreKeyAtTicks(store: LiveStore, key: string, ms: number, fn: () => void): () => void {
  let cancel: (() => void) | undefined
  const off = store.subscribe(key, () => {
    cancel ??= atNextTick(ms, () => {
      cancel = undefined
      fn()
    })
  })
  return () => {
    off()
    cancel?.()
  }
}
