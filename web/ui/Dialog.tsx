import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

interface Props {
  title: string
  onClose: () => void
  children: ComponentChildren
}

/** A modal on the native <dialog>: focus trapping, Escape and the backdrop come with it. */
export function Dialog({ title, onClose, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    dialog.showModal()
    const close = () => onClose()
    dialog.addEventListener('close', close)
    return () => {
      dialog.removeEventListener('close', close)
      if (dialog.open) dialog.close()
    }
  }, [onClose])
  return (
    <dialog ref={ref} class="dialog" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </dialog>
  )
}
