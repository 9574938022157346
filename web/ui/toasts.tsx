import { type ComponentChildren, createContext } from 'preact'
import { useCallback, useContext, useMemo, useState } from 'preact/hooks'

type Kind = 'ok' | 'error'
interface Toast {
  id: number
  kind: Kind
  text: string
}

const ToastContext = createContext<(text: string, kind?: Kind) => void>(() => undefined)

/** Short confirmations and errors of operator actions, bottom right, gone after a few seconds. */
export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const notify = useCallback((text: string, kind: Kind = 'ok') => {
    const id = Math.random()
    setToasts((t) => [...t.slice(-3), { id, kind, text }])
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000)
  }, [])
  const value = useMemo(() => notify, [notify])
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

export function useToast(): (text: string, kind?: Kind) => void {
  return useContext(ToastContext)
}
