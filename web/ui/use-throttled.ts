import { useEffect, useState } from 'preact/hooks'
import { atNextTick } from '../api/store-context.js'

/**
 * `value`, but changing at most once every `ms`, on the clock's multiples of `ms`: the latest
 * value is shown at the next tick. Keeps things that move around (sorted rows) calm while data
 * streams in, and changes them in the same task as the views that follow the store on those
 * ticks (one layout and paint for all, rather than a frame of its own).
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value)
  useEffect(() => {
    if (Object.is(value, shown)) return
    // The tick is fixed by the clock, so a value that changes at every render still shows.
    return atNextTick(ms, () => setShown(value))
  }, [value, shown, ms])
  return shown
}
