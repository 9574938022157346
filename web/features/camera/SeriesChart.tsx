import 'uplot/dist/uPlot.min.css'
import uPlot from 'uplot'
import { useEffect, useMemo, useRef } from 'preact/hooks'
import type { Series } from '../../api/camtel.js'
import { formatNumber, formatTick, formatTimeTick, unitOf } from '../../ui/format.js'
import { remPx } from '../../ui/rem.js'
import { alignSeries } from './series-data.js'
import { placeThresholdLabels } from './threshold-labels.js'

export interface Threshold {
  value: number
  severity: 'warning' | 'critical'
  label: string
}

interface Props {
  title: string
  metrics: readonly string[]
  /** One per metric, in the same order; undefined while loading. */
  series: ReadonlyArray<Pick<Series, 'points' | 'stats'> | undefined>
  from: number
  to: number
  thresholds: readonly Threshold[]
  /** The unit shown, when it is not the first metric's (a counter plotted as a rate). */
  unit?: string
  height?: number
}

const LINE_COLORS = ['#5aa9ff', '#e3a5ff', '#ffd479']
const BAND_COLORS = ['rgba(90,169,255,0.2)', 'rgba(227,165,255,0.18)', 'rgba(255,212,121,0.18)']
const BAND_EDGES = ['rgba(90,169,255,0.35)', 'rgba(227,165,255,0.3)', 'rgba(255,212,121,0.3)']
const THRESHOLD_COLORS = { warning: '#f5a524', critical: '#f3454b' }
const AXIS = { stroke: '#93a1b0', grid: { stroke: 'rgba(147,161,176,0.12)', width: 1 }, ticks: { stroke: 'rgba(147,161,176,0.25)', width: 1 } }

/**
 * One uPlot chart: a line per metric, the min/max band of each where the series comes from a
 * rollup (DESIGN §4 `stats`), and the thresholds of the rules that watch these metrics.
 * The chart is built once per shape and then only fed new data, so live updates do not flicker.
 */
export function SeriesChart({ title, metrics, series, from, to, thresholds, unit: unitShown, height: asked }: Props) {
  // Sized in rem, like the text around it, so that a video wall gets charts it can read.
  const rem = remPx()
  const height = asked ?? Math.round(12 * rem)
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot>()
  const range = useRef<[number, number]>([from, to])
  range.current = [from, to]
  const loaded = series.filter((s): s is Pick<Series, 'points' | 'stats'> => s !== undefined)
  const aligned = useMemo(() => alignSeries(loaded), [series])
  const withBands = aligned.lines.map((l) => l.mins !== undefined)
  const shape = `${metrics.join(',')}|${withBands.join(',')}|${thresholds.map((t) => `${t.value}${t.severity}`).join(',')}`
  const unit = unitShown ?? unitOf(metrics[0] ?? '')
  const points = loaded.reduce((n, s) => n + s.points.length, 0)

  const data = useMemo(() => {
    const cols: Array<Array<number | null>> = [aligned.xs]
    for (const l of aligned.lines) {
      cols.push(l.values)
      if (l.mins && l.maxs) cols.push(l.mins, l.maxs)
    }
    return cols as uPlot.AlignedData
  }, [aligned])

  useEffect(() => {
    const el = host.current
    if (!el || loaded.length !== metrics.length) return
    const seriesOpts: uPlot.Series[] = [{}]
    const bands: uPlot.Band[] = []
    for (const [i, metric] of metrics.entries()) {
      const idx = seriesOpts.length
      seriesOpts.push({ label: metric, stroke: LINE_COLORS[i % 3], width: 1.6, points: { show: false }, value: (_u, v) => (v === null ? '—' : formatNumber(v)) })
      if (withBands[i]) {
        // Faint edges: the band between them is the spread of each step (min to max).
        const edge = { stroke: BAND_EDGES[i % 3], width: 0.75, points: { show: false } }
        seriesOpts.push({ label: `${metric} min`, ...edge, value: (_u, v) => (v === null ? '—' : formatNumber(v)) })
        seriesOpts.push({ label: `${metric} max`, ...edge, value: (_u, v) => (v === null ? '—' : formatNumber(v)) })
        bands.push({ series: [idx + 2, idx + 1], fill: BAND_COLORS[i % 3] })
      }
    }
    const font = `${Math.round(0.85 * rem)}px system-ui, sans-serif`
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      series: seriesOpts,
      bands,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true, range: () => [range.current[0] / 1000, range.current[1] / 1000] },
        y: { range: (_u, min, max) => padRange(min, max) },
      },
      axes: [
        { ...AXIS, font, space: 6 * rem, values: (_u, vals) => vals.map((v) => formatTimeTick(v * 1000, range.current[1] - range.current[0])) },
        { ...AXIS, font, size: 4.4 * rem, values: (_u, vals, _axis, _space, incr) => vals.map((v) => formatTick(v, incr)) },
      ],
      hooks: { draw: [(u) => drawThresholds(u, thresholds)] },
    }
    const u = new uPlot(opts, data, el)
    // The legend keys the lines; min and max rows would only repeat them.
    const rows = u.root.querySelectorAll<HTMLElement>('.u-legend .u-series')
    seriesOpts.forEach((s, i) => {
      if (s.label?.toString().endsWith(' min') || s.label?.toString().endsWith(' max')) rows[i]?.style.setProperty('display', 'none')
    })
    plot.current = u
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      u.destroy()
      plot.current = undefined
    }
    // Rebuilt only when the shape changes; data changes go through setData below.
  }, [shape, height, rem, loaded.length === metrics.length])

  useEffect(() => {
    plot.current?.setData(data, true)
  }, [data, from, to])

  return (
    <figure class="chart" data-metrics={metrics.join(' ')} data-points={points} data-bands={withBands.filter(Boolean).length}>
      <figcaption>
        <span class="chart-title">{title}</span>
        {unit && <span class="muted">{unit}</span>}
      </figcaption>
      <div ref={host} class="chart-host" style={{ minHeight: `${height + 30}px` }} />
      {loaded.length === metrics.length && points === 0 && <p class="chart-empty">No data in this range</p>}
    </figure>
  )
}

/**
 * A little air above and below, and a span of at least 5 % of the values' size: 24.9 against
 * 25 fps is noise, and must not fill the chart from top to bottom as if it were an outage.
 */
function padRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null) return [0, 1]
  const floor = Math.max(0.05 * Math.max(Math.abs(min), Math.abs(max)), 1e-6)
  if (max - min < floor) {
    const mid = (min + max) / 2
    const lo = mid - floor / 2
    // Values that cannot go negative keep their axis at or above zero.
    return min >= 0 && lo < 0 ? [0, floor] : [lo, mid + floor / 2]
  }
  const pad = (max - min) * 0.08
  return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad]
}

/**
 * Rule thresholds inside the visible range, as dashed lines labelled with their rule; labels of
 * lines close together are moved apart (placeThresholdLabels) rather than drawn over each other.
 */
function drawThresholds(u: uPlot, thresholds: readonly Threshold[]): void {
  const ctx = u.ctx
  const { left, top, width, height } = u.bbox
  const dpr = devicePixelRatio
  const fontPx = Math.round(0.8 * remPx() * dpr)
  const shown = thresholds.map((t) => ({ t, y: u.valToPos(t.value, 'y', true), text: `${t.label} ${formatNumber(t.value)}` })).filter((s) => s.y >= top && s.y <= top + height)
  ctx.save()
  ctx.setLineDash([6, 5])
  ctx.lineWidth = dpr
  ctx.font = `${fontPx}px system-ui, sans-serif`
  // uPlot leaves the context as its axes had it (right-aligned y labels): set what the labels need.
  ctx.textAlign = 'left'
  ctx.textBaseline = 'alphabetic'
  const places = placeThresholdLabels(
    shown.map((s) => ({ y: s.y, width: ctx.measureText(s.text).width })),
    { left, top, width, height, lineHeight: Math.round(fontPx * 1.25), gap: 4 * dpr },
  )
  for (const s of shown) {
    ctx.strokeStyle = THRESHOLD_COLORS[s.t.severity]
    ctx.beginPath()
    ctx.moveTo(left, s.y)
    ctx.lineTo(left + width, s.y)
    ctx.stroke()
  }
  for (const [i, s] of shown.entries()) {
    const at = places[i] as { x: number; baseline: number }
    ctx.fillStyle = THRESHOLD_COLORS[s.t.severity]
    ctx.fillText(s.text, at.x, at.baseline)
  }
  ctx.restore()
}
