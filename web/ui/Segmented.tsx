interface Option<T extends string> {
  value: T
  label: string
  count?: number
}

interface Props<T extends string> {
  options: readonly Option<T>[]
  value: T
  onChange: (value: T) => void
  label: string
}

/** A row of mutually exclusive buttons: ranges, tabs, states. */
export function Segmented<T extends string>({ options, value, onChange, label }: Props<T>) {
  return (
    <div class="segmented" role="tablist" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" role="tab" aria-selected={o.value === value} class={o.value === value ? 'on' : ''} onClick={() => onChange(o.value)}>
          {o.label}
          {o.count !== undefined && <span class="count">{o.count}</span>}
        </button>
      ))}
    </div>
  )
}
