import type { ComponentChildren } from 'preact'

interface Props {
  title?: ComponentChildren
  actions?: ComponentChildren
  class?: string
  children: ComponentChildren
  /** Lets the body scroll inside a panel of fixed height. */
  fill?: boolean
}

export function Panel({ title, actions, class: cls, children, fill }: Props) {
  return (
    <section class={`panel${fill ? ' panel-fill' : ''}${cls ? ` ${cls}` : ''}`}>
      {(title !== undefined || actions !== undefined) && (
        <header class="panel-head">
          {title !== undefined && <h2>{title}</h2>}
          {actions !== undefined && <div class="panel-actions">{actions}</div>}
        </header>
      )}
      <div class="panel-body">{children}</div>
    </section>
  )
}
