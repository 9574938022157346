import { useEffect, useState } from 'preact/hooks'
import { atNextTick } from '../api/store-context.js'

/**
 * The current time, refreshed every `everyMs`, on the clock's multiples of it and in the same task
 * as the views that follow the store on those ticks (one layout and paint for all): for "x min ago" labels.
 */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    let cancel: () => void
    const tick = () => {
      setNow(Date.now())
      cancel = atNextTick(everyMs, tick)
    }
    cancel = atNextTick(everyMs, tick)
    return () => cancel()
  }, [everyMs])
  return now
}
