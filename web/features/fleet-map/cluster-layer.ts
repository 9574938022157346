import * as L from 'leaflet'
import Supercluster from 'supercluster'
import type { CameraStatus } from '../../api/camtel.js'
import { emptyByStatus } from '../../api/status.js'
import { remPx } from '../../ui/rem.js'
import { CanvasMarker, type Look, type Palette, clusterTitle, readPalette, worstOf } from './markers.js'
import type { MapPoint } from './positions.js'

export interface ClusterLayerOptions {
  statusOf: (id: string) => CameraStatus | undefined
  nameOf: (id: string) => string
  onCamera: (id: string) => void
  /** A cluster that cannot be split further (cameras at one spot) was clicked. */
  onStack: (ids: string[]) => void
}

/** A marker as drawn: for tests and the benchmark, which cannot see inside the canvas. */
export interface DrawnMarker {
  kind: 'camera' | 'cluster'
  /** The camera's id (a camera marker). */
  id?: string
  /** A camera's status, or a cluster's worst. */
  status: CameraStatus
  /** Cameras it stands for: 1, or the cluster's count. */
  count: number
  /** Centre, in pixels from the map's top left corner. */
  x: number
  y: number
  /** Radius on screen, halo included (the clickable disc). */
  r: number
}

interface Shown {
  marker: CanvasMarker
  lat: number
  lon: number
  tooltip?: string
}

/** Clusters only above this zoom stop; beyond it every camera has its own marker. */
const CLUSTER_MAX_ZOOM = 16
/** Cameras closer than this many screen pixels share a cluster (extent 256 = Leaflet's tile size). */
const CLUSTER_OPTIONS = { radius: 60, extent: 256, maxZoom: CLUSTER_MAX_ZOOM }
/** The markers' own pane, above the outlines and below tooltips and popups (Leaflet's marker pane is 600). */
const PANE = 'cameras'
/** The order markers are drawn in, the most urgent last (on top). */
const DRAW_RANK: Record<CameraStatus, number> = { ok: 0, unknown: 0, degraded: 1, offline: 2, critical: 3 }

/**
 * Cameras on a Leaflet map, clustered with supercluster when dense, drawn on one canvas of their
 * own (a Leaflet canvas renderer in its own pane): a status change repaints a few pixels of it,
 * not an element to lay out and composite, and the outlines below are not redrawn. The index
 * holds positions only and is rebuilt when cameras come, go or move; statuses are read at render
 * time, so a status change costs a re-render of what is in view, not a re-index. Markers are kept
 * per cluster or camera and redrawn only when what they show changed, so nothing flickers; during
 * a zoom animation the canvas is scaled with the map, so markers glide with it.
 */
export class ClusterLayer {
  private index = new Supercluster<{ id: string }, Record<string, never>>(CLUSTER_OPTIONS)
  private readonly shown = new Map<string, Shown>()
  /** Camera ids per cluster of the current index: read once, then counted at every render. */
  private readonly leaves = new Map<number, string[]>()
  private points: readonly MapPoint[] = []
  private readonly layer = L.layerGroup()
  private readonly renderer: L.Canvas
  private readonly palette: Palette

  constructor(
    private readonly map: L.Map,
    private readonly o: ClusterLayerOptions,
  ) {
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = '600'
    this.renderer = L.canvas({ pane: PANE, padding: 0.2, tolerance: 2 })
    this.palette = readPalette(map.getContainer())
    this.layer.addTo(map)
    map.on('moveend', this.render, this)
  }

  setPoints(points: readonly MapPoint[]): void {
    // The whole fleet's snapshot after its preview: the same places, so the same index.
    if (samePoints(points, this.points)) return this.render()
    this.points = points
    this.leaves.clear()
    this.index = new Supercluster<{ id: string }, Record<string, never>>(CLUSTER_OPTIONS)
    this.index.load(points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.lon, p.lat] }, properties: { id: p.id } })))
    this.render()
  }

  /** Draws what is in view at the current zoom; call after statuses changed. */
  render(): void {
    const b = this.map.getBounds().pad(0.2)
    const bbox: [number, number, number, number] = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())]
    const zoom = Math.round(this.map.getZoom())
    const scale = remPx() / 14
    const seen = new Set<string>()
    for (const f of this.index.getClusters(bbox, zoom)) {
      const [lon, lat] = f.geometry.coordinates as [number, number]
      const props = f.properties
      if ('cluster' in props && props.cluster) {
        const key = `c:${props.cluster_id}:${zoom}`
        seen.add(key)
        const counts = emptyByStatus()
        let ids = this.leaves.get(props.cluster_id)
        if (!ids) this.leaves.set(props.cluster_id, (ids = this.index.getLeaves(props.cluster_id, Infinity).map((l) => l.properties.id)))
        for (const id of ids) counts[this.o.statusOf(id) ?? 'unknown']++
        const look: Look = { kind: 'cluster', counts, total: props.point_count, scale }
        this.place(key, lat, lon, look, () => this.openCluster(props.cluster_id, lat, lon), clusterTitle(counts))
      } else {
        const id = (props as { id: string }).id
        const key = `p:${id}`
        seen.add(key)
        const look: Look = { kind: 'camera', status: this.o.statusOf(id) ?? 'unknown', scale }
        this.place(key, lat, lon, look, () => this.o.onCamera(id), this.o.nameOf(id))
      }
    }
    for (const [key, s] of this.shown) {
      if (seen.has(key)) continue
      this.layer.removeLayer(s.marker)
      this.shown.delete(key)
    }
  }

  /** The markers in place, with where they are on screen. */
  drawn(): DrawnMarker[] {
    const out: DrawnMarker[] = []
    for (const [key, s] of this.shown) {
      const look = s.marker.options.look
      const at = this.map.latLngToContainerPoint([s.lat, s.lon])
      const count = look.kind === 'cluster' ? look.total : 1
      out.push({ kind: look.kind, ...(look.kind === 'camera' ? { id: key.slice(2) } : {}), status: worstOf(look), count, x: at.x, y: at.y, r: s.marker.getRadius() })
    }
    return out
  }

  /** Frames the given area; on a single spot, a close but not maximal zoom. */
  fit(bounds: L.LatLngBounds): void {
    this.map.fitBounds(bounds, { padding: [36, 36], maxZoom: 16, animate: false })
  }

  remove(): void {
    this.map.off('moveend', this.render, this)
    this.layer.remove()
    this.renderer.remove()
    this.shown.clear()
  }

  private place(key: string, lat: number, lon: number, look: Look, onClick: () => void, tooltip: string): void {
    const existing = this.shown.get(key)
    if (existing) {
      const before = worstOf(existing.marker.options.look)
      existing.marker.setLook(look)
      if (existing.lat !== lat || existing.lon !== lon) {
        existing.marker.setLatLng([lat, lon])
        existing.lat = lat
        existing.lon = lon
      }
      if (existing.tooltip !== tooltip) {
        existing.marker.setTooltipContent(tooltip)
        existing.tooltip = tooltip
      }
      // The most urgent on top of the others.
      const now = worstOf(look)
      if (DRAW_RANK[now] > DRAW_RANK[before]) existing.marker.bringToFront()
      else if (DRAW_RANK[now] < DRAW_RANK[before]) existing.marker.bringToBack()
      return
    }
    const marker = new CanvasMarker([lat, lon], { look, palette: this.palette, renderer: this.renderer, interactive: true, bubblingMouseEvents: false })
    marker.on('click', onClick)
    marker.bindTooltip(tooltip, { direction: 'top', offset: [0, -8] })
    marker.addTo(this.layer)
    if (DRAW_RANK[worstOf(look)] > 0) marker.bringToFront()
    this.shown.set(key, { marker, lat, lon, tooltip })
  }

  private openCluster(clusterId: number, lat: number, lon: number): void {
    const zoom = this.index.getClusterExpansionZoom(clusterId)
    if (zoom > CLUSTER_MAX_ZOOM || zoom > this.map.getMaxZoom()) {
      this.o.onStack(this.index.getLeaves(clusterId, Infinity).map((l) => l.properties.id))
      return
    }
    this.map.flyTo([lat, lon], zoom, { duration: 0.5 })
  }
}

function samePoints(a: readonly MapPoint[], b: readonly MapPoint[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const p = a[i] as MapPoint
    const q = b[i] as MapPoint
    if (p.id !== q.id || p.lat !== q.lat || p.lon !== q.lon) return false
  }
  return true
}
