import * as L from 'leaflet'
import type { ByStatus, CameraStatus } from '../../api/camtel.js'
import { STATUS_LABEL, STATUSES, worstStatus } from '../../api/status.js'

/** What a marker shows: one camera in its status colour, or a cluster with its counts. */
export type Look = { kind: 'camera'; status: CameraStatus; scale: number } | { kind: 'cluster'; counts: ByStatus; total: number; scale: number }

/** The colours of the theme (theme.css), read once: the canvas cannot use CSS variables. */
export interface Palette {
  status: Record<CameraStatus, string>
  text: string
  font: string
}

export function readPalette(el: Element): Palette {
  const style = getComputedStyle(el)
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  return {
    status: { ok: v('--ok', '#2fbf71'), degraded: v('--degraded', '#f5a524'), critical: v('--critical', '#f3454b'), offline: v('--offline', '#a78bfa'), unknown: v('--unknown', '#6b7785') },
    text: v('--text', '#e6edf3'),
    font: style.fontFamily || 'system-ui, sans-serif',
  }
}

const EDGE = 'rgba(10, 14, 19, 0.9)'
const HALO = 'rgba(255, 255, 255, 0.15)'
const CRITICAL_HALO = 'rgba(243, 69, 75, 0.35)'
const OFFLINE_FILL = '#1a1430'
const CLUSTER_DISC = '#0f1722'
const CLUSTER_CRITICAL_TEXT = '#ff8a8e'

/** A camera: a dot in its status colour; critical and offline ones are larger, to be seen first. */
function cameraDiameter(status: CameraStatus, scale: number): number {
  return Math.round((status === 'critical' || status === 'offline' ? 16 : 12) * scale)
}

/** A cluster grows with the log of its count. */
function clusterDiameter(total: number, scale: number): number {
  return Math.round((30 + 8 * Math.log10(Math.max(1, total))) * scale)
}

/** The radius a marker takes on screen, halo included: its hit area and what a redraw must clear. */
export function outerRadius(look: Look): number {
  if (look.kind === 'cluster') return clusterDiameter(look.total, look.scale) / 2 + 2
  return cameraDiameter(look.status, look.scale) / 2 + (look.status === 'critical' ? 3 : 1)
}

export function worstOf(look: Look): CameraStatus {
  return look.kind === 'camera' ? look.status : worstStatus(look.counts)
}

/** A key that changes exactly when the drawing does: a marker is redrawn only then. */
export function lookKey(look: Look): string {
  if (look.kind === 'camera') return `p ${look.status} ${look.scale}`
  const c = look.counts
  return `c ${c.ok} ${c.degraded} ${c.critical} ${c.offline} ${c.unknown} ${look.total} ${look.scale}`
}

/** "OK 12, Critical 3": a cluster's counts in words (its tooltip). */
export function clusterTitle(counts: ByStatus): string {
  return STATUSES.filter((s) => counts[s] > 0)
    .map((s) => `${STATUS_LABEL[s]} ${counts[s]}`)
    .join(', ')
}

function disc(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, fill: string): void {
  ctx.beginPath()
  ctx.arc(x, y, r, 0, Math.PI * 2)
  ctx.fillStyle = fill
  ctx.fill()
}

/**
 * Draws a marker centred on (x, y). A camera: halo, dark edge, status colour (offline: a dark
 * disc in a violet ring). A cluster: a dark edge, a ring of slices in proportion to each status
 * (from twelve o'clock, clockwise, in STATUSES order), a dark disc with the count, red when the
 * worst is critical: a red slice in a green ring shows before any count is read.
 */
export function drawMarker(ctx: CanvasRenderingContext2D, x: number, y: number, look: Look, p: Palette): void {
  ctx.globalAlpha = 1
  if (look.kind === 'camera') {
    const r = cameraDiameter(look.status, look.scale) / 2
    const edge = look.status === 'offline' ? 3 : 2
    disc(ctx, x, y, r + (look.status === 'critical' ? 3 : 1), look.status === 'critical' ? CRITICAL_HALO : HALO)
    disc(ctx, x, y, r, look.status === 'offline' ? p.status.offline : EDGE)
    disc(ctx, x, y, Math.max(1, r - edge), look.status === 'offline' ? OFFLINE_FILL : p.status[look.status])
    return
  }
  const r = clusterDiameter(look.total, look.scale) / 2
  disc(ctx, x, y, r + 2, EDGE)
  let at = -Math.PI / 2
  for (const s of STATUSES) {
    const n = look.counts[s]
    if (n === 0) continue
    const end = at + (2 * Math.PI * n) / look.total
    ctx.beginPath()
    ctx.moveTo(x, y)
    ctx.arc(x, y, r, at, end)
    ctx.closePath()
    ctx.fillStyle = p.status[s]
    ctx.fill()
    at = end
  }
  disc(ctx, x, y, r * 0.72, CLUSTER_DISC)
  ctx.fillStyle = worstStatus(look.counts) === 'critical' ? CLUSTER_CRITICAL_TEXT : p.text
  ctx.font = `700 ${Math.round(11.2 * look.scale)}px ${p.font}`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  ctx.fillText(String(look.total), x, y + 0.5)
}

export interface CanvasMarkerOptions extends L.CircleMarkerOptions {
  look: Look
  palette: Palette
}

/**
 * A marker drawn on a Leaflet canvas renderer: one canvas for every marker rather than an element
 * each, so that a status change repaints a few pixels and adds nothing to lay out or composite.
 * It is a CircleMarker (Leaflet's hit testing, clicks, tooltips, and the renderer's scaling during
 * a zoom animation, so that markers glide with the map) that paints itself with drawMarker.
 */
export interface CanvasMarker extends L.CircleMarker {
  options: CanvasMarkerOptions
  /** Shows `look` (redrawn only if it changed). */
  setLook(look: Look): void
}

type Internals = L.CircleMarker & {
  options: CanvasMarkerOptions
  _renderer: { _drawing: boolean; _ctx: CanvasRenderingContext2D }
  _point: L.Point
  _empty(): boolean
}

export const CanvasMarker: new (latlng: L.LatLngExpression, options: CanvasMarkerOptions) => CanvasMarker = L.CircleMarker.extend({
  initialize(this: Internals & { _lookKey: string }, latlng: L.LatLngExpression, options: CanvasMarkerOptions) {
    ;(L.CircleMarker.prototype as unknown as { initialize: (l: L.LatLngExpression, o: L.CircleMarkerOptions) => void }).initialize.call(this, latlng, {
      ...options,
      radius: outerRadius(options.look),
      stroke: false,
      fill: false,
    })
    this._lookKey = lookKey(options.look)
  },
  setLook(this: Internals & { _lookKey: string }, look: Look) {
    const key = lookKey(look)
    if (key === this._lookKey) return
    this._lookKey = key
    this.options.look = look
    // setRadius redraws (the old and the new area), whether or not the size changed.
    this.setRadius(outerRadius(look))
  },
  _updatePath(this: Internals) {
    const r = this._renderer
    if (!r._drawing || this._empty()) return
    drawMarker(r._ctx, this._point.x, this._point.y, this.options.look, this.options.palette)
  },
}) as never
