import type { Site } from '../api/camtel.js'

/** The "All sites" filter of a list: every site by name, `all` for none chosen. */
export function SiteSelect({ sites, value, onChange }: { sites: ReadonlyMap<string, Site>; value: string; onChange: (site: string) => void }) {
  return (
    <select aria-label="Site" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="all">All sites</option>
      {[...sites.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
    </select>
  )
}
