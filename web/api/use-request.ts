import { useCallback, useEffect, useState } from 'preact/hooks'
import type { CamtelClient } from './camtel.js'
import { useClient } from './store-context.js'

export interface RequestState<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  reload: () => void
}

/**
 * One REST read (history, registry details) that reruns when `deps` change. A slower, older
 * answer never overwrites a newer one. The previous data stays on screen while the next loads,
 * so that switching a range does not blank a chart.
 */
export function useRequest<T>(read: (client: CamtelClient) => Promise<T>, deps: unknown[]): RequestState<T> {
  const client = useClient()
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [nonce, setNonce] = useState(0)
  useEffect(() => {
    let current = true
    setState((s) => ({ ...s, loading: true }))
    read(client).then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState((s) => ({ data: s.data, error, loading: false })),
    )
    return () => {
      current = false
    }
    // The caller's deps decide when to read again, as with useEffect.
  }, [client, nonce, ...deps])
  const reload = useCallback(() => setNonce((n) => n + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
