import { useEffect, useRef, useState } from 'preact/hooks'

/**
 * `value`, but changing at most once every `ms`: the latest value is shown at the end of each
 * interval. Keeps things that move around (sorted rows) calm while data streams in.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value)
  const last = useRef(0)
  useEffect(() => {
    if (Object.is(value, shown)) return
    const show = () => {
      last.current = Date.now()
      setShown(value)
    }
    const wait = last.current + ms - Date.now()
    if (wait <= 0) return show()
    // The deadline is fixed by the last update, so a value that changes every frame still shows.
    const timer = setTimeout(show, wait)
    return () => clearTimeout(timer)
  }, [value, shown, ms])
  return shown
}
