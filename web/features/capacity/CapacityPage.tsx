import './capacity.css'
import { useEffect, useState } from 'preact/hooks'
import type { CameraCapacity, SiteCapacity } from '../../api/camtel.js'
import { useRequest } from '../../api/use-request.js'
import { paths } from '../../app/router.js'
import { formatNumber } from '../../ui/format.js'
import { Link } from '../../ui/Link.js'
import { Panel } from '../../ui/Panel.js'
import { CloudChart, DiskTrendChart, UplinkTrendChart } from './CapacityCharts.js'
import { fillingDisks, formatBytes, formatDate, rangeText, retentionMisses, sitesByUrgency } from './capacity-view.js'

/** The figures change with hours of data: a minute between reloads is plenty. */
const RELOAD_MS = 60_000

const days = (d: number | null) => (d === null ? '—' : d < 1 ? '< 1 day' : `${formatNumber(d)} days`)

/**
 * Storage and capacity (DESIGN §7): which cameras miss their retention, which disks fill up when,
 * which sites need network expansion, and camtel's own database, with the trend behind each.
 */
export function CapacityPage() {
  const report = useRequest((client) => client.capacity(), [])
  const policies = useRequest((client) => client.retentionPolicies(), [])
  useEffect(() => {
    const timer = setInterval(() => {
      report.reload()
      policies.reload()
    }, RELOAD_MS)
    return () => clearInterval(timer)
  }, [])
  const [camera, setCamera] = useState<string>()
  const [site, setSite] = useState<string>()

  const data = report.data
  if (!data) {
    return <div class="page">{report.error ? <p class="empty">Loading capacity failed: {report.error.message}</p> : <p class="empty">Projecting storage and network…</p>}</div>
  }
  const misses = retentionMisses(data.cameras)
  const filling = fillingDisks(data.cameras)
  const sites = sitesByUrgency(data.sites)
  const expanding = sites.filter((s) => s.uplinkFullAt !== null)
  const governed = data.cameras.filter((c) => c.retentionOk !== null).length
  const chosenCamera = data.cameras.find((c) => c.cameraId === camera) ?? filling[0] ?? misses[0]
  const chosenSite = sites.find((s) => s.siteId === site) ?? sites[0]

  return (
    <div class="page capacity-page" data-testid="capacity-page">
      <header class="page-head">
        <div>
          <h1>Storage &amp; capacity</h1>
          <p class="muted">Projections on the telemetry's own time from hourly history; see docs/capacity.md for how they are made.</p>
        </div>
      </header>

      <div class="tiles cap-tiles" role="list" aria-label="Capacity at a glance">
        <Tile label="Retention missed" value={misses.length} sub={`of ${governed} cameras under a policy`} level={misses.length > 0 ? 'critical' : 'ok'} testid="tile-retention" />
        <Tile label="Disks filling" value={filling.length} sub={filling[0] ? `first full in ${days(filling[0].daysUntilFull)}` : 'none filling'} level={filling.length > 0 ? 'degraded' : 'ok'} testid="tile-filling" />
        <Tile label="Uplinks to expand" value={expanding.length} sub={expanding[0]?.uplinkFullAt ? `first full ${formatDate(expanding[0].uplinkFullAt)}` : `of ${sites.length} sites`} level={expanding.length > 0 ? 'degraded' : 'ok'} testid="tile-uplinks" />
        {data.database && (
          <Tile
            label="camtel database"
            value={data.database.bytes === null ? '—' : formatBytes(data.database.bytes)}
            sub={data.database.bytesPerDay === null ? 'growth: measuring' : `${formatBytes(data.database.bytesPerDay)} a day`}
            level="ok"
            testid="tile-database"
          />
        )}
      </div>

      <div class="cap-grid">
        <Panel title="Retention against policy" class="cap-retention">
          <RetentionTable misses={misses} onPick={setCamera} />
          <p class="muted small">
            Policies:{' '}
            {policies.data && policies.data.length > 0
              ? policies.data.map((p) => `${p.id} (${p.scope === 'all' ? 'all' : Object.entries(p.scope).map(([k, v]) => `${k} ${v}`).join(', ')}: ${rangeText(p.minDays, p.maxDays)})`).join(' · ')
              : 'none yet (PUT /api/v1/retention-policies/:id)'}
          </p>
        </Panel>
        <Panel title="Disks filling up" class="cap-disks">
          <DiskTable filling={filling} chosen={chosenCamera?.cameraId} onPick={setCamera} />
        </Panel>
        <Panel title={chosenCamera ? `Disk trend · ${chosenCamera.cameraId}` : 'Disk trend'} class="cap-chart">
          {chosenCamera ? <DiskTrendChart camera={chosenCamera} /> : <p class="empty">No disk is filling and every camera keeps its retention.</p>}
        </Panel>
        <Panel title="Sites: uplink and cloud" class="cap-sites">
          <SiteTable sites={sites} chosen={chosenSite?.siteId} onPick={setSite} />
        </Panel>
        <Panel title={chosenSite ? `Uplink and cloud trend · ${chosenSite.name}` : 'Uplink trend'} class="cap-chart cap-wide">
          {chosenSite ? (
            <div class="cap-pair">
              <UplinkTrendChart site={chosenSite} />
              {chosenSite.cloudDaily.length > 0 && <CloudChart site={chosenSite} />}
            </div>
          ) : (
            <p class="empty">No site reports bandwidth.</p>
          )}
        </Panel>
        {data.database && (
          <Panel title="camtel’s own database" class="cap-db">
            <dl class="cap-facts tabular" data-testid="database">
              <dt>Size</dt>
              <dd>{data.database.bytes === null ? 'in memory' : formatBytes(data.database.bytes)}</dd>
              <dt>Growth</dt>
              <dd>{data.database.bytesPerDay === null ? 'measuring (needs 6 h of samples)' : `${formatBytes(data.database.bytesPerDay)} a day`}</dd>
              <dt>Free disk</dt>
              <dd>{data.database.freeBytes === null ? '—' : formatBytes(data.database.freeBytes)}</dd>
              <dt>Disk full</dt>
              <dd>{data.database.fullAt === null ? 'not within a year' : formatDate(data.database.fullAt)}</dd>
              <dt>Retention</dt>
              <dd>
                raw {formatNumber(data.database.retentionDays.raw)} d · 1-minute {formatNumber(data.database.retentionDays['1m'])} d · 1-hour{' '}
                {formatNumber(data.database.retentionDays['1h'])} d
              </dd>
            </dl>
          </Panel>
        )}
      </div>
    </div>
  )
}

function Tile({ label, value, sub, level, testid }: { label: string; value: number | string; sub: string; level: 'ok' | 'degraded' | 'critical'; testid: string }) {
  return (
    <div role="listitem" class={`tile cap-tile cap-${level}`} data-testid={testid}>
      <span class="tile-label">{label}</span>
      <span class="tile-value">{typeof value === 'number' ? value.toLocaleString('en-GB') : value}</span>
      <span class="tile-sub">{sub}</span>
    </div>
  )
}

function RetentionTable({ misses, onPick }: { misses: readonly CameraCapacity[]; onPick: (id: string) => void }) {
  if (misses.length === 0) return <p class="empty">Every camera under a policy keeps its retention.</p>
  return (
    <table class="table cap-table" data-testid="retention-misses">
      <thead>
        <tr>
          <th>Camera</th>
          <th>Site</th>
          <th class="num">Video held</th>
          <th>Policy</th>
          <th>Problem</th>
        </tr>
      </thead>
      <tbody>
        {misses.map((c) => {
          const low = c.minDays !== null && (c.retentionDays ?? 0) < c.minDays
          return (
            <tr key={c.cameraId} onClick={() => onPick(c.cameraId)}>
              <td class="ellipsis">
                <Link href={paths.camera(c.cameraId)}>{c.cameraId}</Link>
              </td>
              <td class="ellipsis">{c.siteId}</td>
              <td class="num">{c.retentionDays === null ? '—' : `${formatNumber(c.retentionDays)} d`}</td>
              <td class="ellipsis">
                {c.policyId} · {rangeText(c.minDays, c.maxDays)}
              </td>
              <td class={low ? 'text-critical' : 'text-degraded'}>{low ? 'evidence at risk' : 'kept too long'}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function DiskTable({ filling, chosen, onPick }: { filling: readonly CameraCapacity[]; chosen: string | undefined; onPick: (id: string) => void }) {
  if (filling.length === 0) return <p class="empty">No disk is filling: loop recording holds every card steady.</p>
  return (
    <table class="table cap-table" data-testid="filling-disks">
      <thead>
        <tr>
          <th>Camera</th>
          <th class="num">Used</th>
          <th class="num">Rate</th>
          <th class="num">Full in</th>
        </tr>
      </thead>
      <tbody>
        {filling.map((c) => (
          <tr key={c.cameraId} class={c.cameraId === chosen ? 'on' : ''} onClick={() => onPick(c.cameraId)}>
            <td class="ellipsis">
              <button type="button" class="linklike" onClick={() => onPick(c.cameraId)}>
                {c.cameraId}
              </button>
            </td>
            <td class="num">{c.diskUsedPct === null ? '—' : `${formatNumber(c.diskUsedPct)} %`}</td>
            <td class="num">{c.diskPctPerDay === null ? '—' : `${formatNumber(c.diskPctPerDay)} %/d`}</td>
            <td class={`num ${(c.daysUntilFull ?? 99) < 7 ? 'text-critical' : 'text-degraded'}`}>{days(c.daysUntilFull)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function SiteTable({ sites, chosen, onPick }: { sites: readonly SiteCapacity[]; chosen: string | undefined; onPick: (id: string) => void }) {
  if (sites.length === 0) return <p class="empty">No site reports bandwidth or cloud use.</p>
  return (
    <table class="table cap-table" data-testid="sites">
      <thead>
        <tr>
          <th>Site</th>
          <th class="num">Now</th>
          <th class="num">Peak trend</th>
          <th class="num">Uplink</th>
          <th>Full at</th>
          <th class="num">Cloud</th>
        </tr>
      </thead>
      <tbody>
        {sites.map((s) => (
          <tr key={s.siteId} class={s.siteId === chosen ? 'on' : ''} onClick={() => onPick(s.siteId)}>
            <td class="ellipsis">
              <button type="button" class="linklike" onClick={() => onPick(s.siteId)}>
                {s.name}
              </button>
            </td>
            <td class="num">{s.uplinkUsedMbps === null ? '—' : formatNumber(s.uplinkUsedMbps)}</td>
            <td class="num">
              {s.uplinkPeakMbps === null ? '—' : formatNumber(s.uplinkPeakMbps)}
              {s.uplinkMbpsPerDay !== null && <span class="muted small"> +{formatNumber(s.uplinkMbpsPerDay)}/d</span>}
            </td>
            <td class="num">{s.uplinkMbps === null ? 'unknown' : `${formatNumber(s.uplinkMbps)} Mbit/s`}</td>
            <td class={s.uplinkFullAt === null ? 'muted' : 'text-degraded'}>{s.uplinkFullAt === null ? (s.uplinkMbps === null ? 'no capacity set' : 'not in a year') : formatDate(s.uplinkFullAt)}</td>
            <td class="num">
              {s.cloudUsedGb === null ? '—' : `${formatNumber(s.cloudUsedGb)} GB`}
              {s.cloudGbPerDay !== null && <span class="muted small"> +{formatNumber(s.cloudGbPerDay)}/d</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
