import { useMemo, useState } from 'preact/hooks'
import type { CameraListItem, Rule, Series } from '../../api/camtel.js'
import { useRequest } from '../../api/use-request.js'
import { useTelemetry } from '../../api/use-telemetry.js'
import { Segmented } from '../../ui/Segmented.js'
import { ruleApplies } from '../alerts/index.js'
import { CHART_GROUPS, type GroupId, chartsFor } from './chart-groups.js'
import { RANGES, type RangeId } from './ranges.js'
import { SeriesChart, type Threshold } from './SeriesChart.js'
import { counterRate } from './series-data.js'
import { METRIC_INFO, unitOf } from '../../ui/format.js'

interface Props {
  camera: CameraListItem
  range: RangeId
  rules: readonly Rule[]
  /** The earliest data time loaded, for the connectivity timeline: before it nothing was reported. */
  onFirstData?: (ts: number | null) => void
}

/** Points appended live to the last hour: enough for an hour of reports every few seconds. */
const MAX_LIVE_POINTS = 4000

/**
 * The camera's history per metric group over the chosen range, read over REST; on the 1-hour
 * range, live reports are appended as they arrive, so the chart moves with the stream.
 */
export function TrendCharts({ camera, range, rules, onFirstData }: Props) {
  const [group, setGroup] = useState<GroupId>('video')
  const reported = useMemo(() => new Set(Object.keys(camera.metrics)), [Object.keys(camera.metrics).join(',')])
  const spec = CHART_GROUPS.find((g) => g.id === group) ?? (CHART_GROUPS[0] as (typeof CHART_GROUPS)[number])
  const charts = chartsFor(spec, reported)
  const metrics = charts.flatMap((c) => c.metrics)
  const { ms, step } = RANGES[range]

  const history = useRequest(
    async (client) => {
      const to = Date.now()
      const from = to - ms
      const all = await Promise.all(metrics.map((metric) => client.series(camera.id, { metric, from, to, step })))
      const firsts = all.map((s) => s.points[0]?.[0]).filter((t): t is number => t !== undefined)
      onFirstData?.(firsts.length > 0 ? Math.min(...firsts) : null)
      return { from, to, series: new Map(all.map((s) => [s.metric, s])) }
    },
    [camera.id, range, metrics.join(',')],
  )

  const [live, setLive] = useState<{ base: unknown; to: number; points: Map<string, Array<[number, number]>> }>()
  useTelemetry(camera.id, (d) => {
    if (range !== '1h' || !history.data) return
    const ts = Date.parse(d.ts)
    setLive((prev) => {
      // New history from REST starts the live tail over.
      const same = prev !== undefined && prev.base === history.data
      const points = same ? prev.points : new Map<string, Array<[number, number]>>()
      for (const m of metrics) {
        const v = d.metrics[m]
        if (v === undefined) continue
        const list = [...(points.get(m) ?? []), [ts, v] as [number, number]]
        points.set(m, list.length > MAX_LIVE_POINTS ? list.slice(-MAX_LIVE_POINTS) : list)
      }
      return { base: history.data, to: Math.max(same ? prev.to : 0, ts, history.data?.to ?? 0), points: new Map(points) }
    })
  })

  const tail = live && live.base === history.data ? live : undefined
  const to = tail?.to ?? history.data?.to ?? Date.now()
  const from = to - ms
  const seriesOf = (metric: string): Pick<Series, 'points' | 'stats'> | undefined => {
    const s = history.data?.series.get(metric)
    if (!s) return undefined
    const extra = tail?.points.get(metric)
    const last = s.points[s.points.length - 1]?.[0] ?? 0
    const merged = !extra || extra.length === 0 ? s : { points: [...s.points.filter(([t]) => t >= from), ...extra.filter(([t]) => t > last)], stats: s.stats }
    return isCounter(metric) ? { points: counterRate(merged.points) } : merged
  }

  return (
    <div class="trends">
      <div class="trends-head">
        <Segmented<GroupId> label="Metric group" value={group} onChange={setGroup} options={CHART_GROUPS.map((g) => ({ value: g.id, label: g.label }))} />
        {history.data && <span class="muted small">tier {history.data.series.values().next().value?.tier ?? '—'}</span>}
      </div>
      {history.error && <p class="form-error">Could not read the history: {history.error.message}</p>}
      {charts.length === 0 ? (
        <p class="empty">This camera reports no {spec.label.toLowerCase()} metrics.</p>
      ) : (
        <div class="chart-grid">
          {charts.map((c) => (
            <SeriesChart
              key={`${group}:${c.title}`}
              title={c.title}
              metrics={c.metrics}
              series={c.metrics.map(seriesOf)}
              from={from}
              to={to}
              thresholds={thresholdsFor(rules, camera, c.metrics)}
              unit={c.metrics.every(isCounter) ? `${unitOf(c.metrics[0] ?? '')} per min` : undefined}
            />
          ))}
        </div>
      )}
    </div>
  )
}

const isCounter = (metric: string) => METRIC_INFO.get(metric)?.kind === 'counter'

function thresholdsFor(rules: readonly Rule[], camera: CameraListItem, metrics: readonly string[]): Threshold[] {
  return rules
    .filter((r) => metrics.includes(r.metric) && ['>', '>=', '<', '<='].includes(r.op) && ruleApplies(r, camera))
    .map((r) => ({ value: r.value, severity: r.severity, label: r.id }))
}
