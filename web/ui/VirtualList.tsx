import type { ComponentChildren } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'

interface Props {
  count: number
  rowHeight: number
  renderRow: (index: number) => ComponentChildren
  /** Rows rendered beyond the visible ones on each side, so fast scrolling shows no blanks. */
  overscan?: number
  class?: string
  label: string
}

/**
 * Renders only the rows in view (plus a few), positioned inside a spacer of the full height:
 * 10,000 rows cost as much as 40. Rows have one fixed height, which keeps scrolling exact and
 * means nothing shifts when a row's content changes.
 */
export function VirtualList({ count, rowHeight, renderRow, overscan = 8, class: cls, label }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ top: 0, height: 600 })
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    let frame = 0
    const measure = () => {
      frame = 0
      setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }))
    }
    // One measurement per frame however many scroll events arrive.
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(measure)
    }
    measure()
    el.addEventListener('scroll', onScroll, { passive: true })
    const observer = new ResizeObserver(onScroll)
    observer.observe(el)
    return () => {
      el.removeEventListener('scroll', onScroll)
      observer.disconnect()
      if (frame !== 0) cancelAnimationFrame(frame)
    }
  }, [])
  // A shorter list (a new filter) must not leave the view scrolled past its end.
  useEffect(() => {
    const el = ref.current
    if (el && el.scrollTop > count * rowHeight) el.scrollTop = 0
  }, [count, rowHeight])
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan)
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan)
  const rows: ComponentChildren[] = []
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} class="vrow" role="row" aria-rowindex={i + 2} style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}>
        {renderRow(i)}
      </div>,
    )
  }
  return (
    <div ref={ref} class={`vlist${cls ? ` ${cls}` : ''}`} role="rowgroup" aria-label={label}>
      <div class="vlist-spacer" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  )
}
