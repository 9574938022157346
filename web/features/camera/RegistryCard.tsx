import type { CameraDetail, Site } from '../../api/camtel.js'
import { paths } from '../../app/router.js'
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'

interface Props {
  detail: CameraDetail
  site: Site | undefined
  lastSeen: string | null
  now: number
}

/** What the registry says about the camera (DESIGN §3). */
export function RegistryCard({ detail: d, site, lastSeen, now }: Props) {
  return (
    <dl class="kv registry">
      <div>
        <dt>Site</dt>
        <dd>
          <Link href={paths.site(d.siteId)}>{site?.name ?? d.siteName ?? d.siteId}</Link>
        </dd>
      </div>
      <div>
        <dt>Model</dt>
        <dd>{d.model ?? '—'}</dd>
      </div>
      <div>
        <dt>Firmware</dt>
        <dd>{d.firmware ?? '—'}</dd>
      </div>
      <div>
        <dt>Tags</dt>
        <dd class="tags">{d.tags.length === 0 ? '—' : d.tags.map((t) => <span key={t} class="tag">{t}</span>)}</dd>
      </div>
      <div>
        <dt>Position</dt>
        <dd class="tabular">{d.lat !== null && d.lon !== null ? `${d.lat.toFixed(5)}, ${d.lon.toFixed(5)}` : 'site position'}</dd>
      </div>
      <div>
        <dt>Offline after</dt>
        <dd>
          {formatDuration(d.offlineAfterEffective * 1000)}
          {d.offlineAfter === null && <span class="muted"> (default)</span>}
        </dd>
      </div>
      <div>
        <dt>Last report</dt>
        <dd title={lastSeen ? formatDateTime(lastSeen) : ''}>{formatAgo(lastSeen, now)}</dd>
      </div>
      <div>
        <dt>Registered</dt>
        <dd>{d.createdAt ? formatDateTime(d.createdAt) : 'by its first report'}</dd>
      </div>
    </dl>
  )
}
