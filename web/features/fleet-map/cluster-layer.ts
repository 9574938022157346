import * as L from 'leaflet'
import Supercluster from 'supercluster'
import type { CameraStatus } from '../../api/camtel.js'
import { emptyByStatus } from '../../api/status.js'
import { cameraIcon, clusterIcon } from './marker-icons.js'
import type { MapPoint } from './positions.js'
import { remPx } from '../../ui/rem.js'

export interface ClusterLayerOptions {
  statusOf: (id: string) => CameraStatus | undefined
  nameOf: (id: string) => string
  onCamera: (id: string) => void
  /** A cluster that cannot be split further (cameras at one spot) was clicked. */
  onStack: (ids: string[]) => void
}

interface Shown {
  marker: L.Marker
  /** The icon's HTML: a marker is redrawn only when it changes. */
  html: string
}

/** Clusters only above this zoom stop; beyond it every camera has its own marker. */
const CLUSTER_MAX_ZOOM = 16
/** Cameras closer than this many screen pixels share a cluster (extent 256 = Leaflet's tile size). */
const CLUSTER_OPTIONS = { radius: 60, extent: 256, maxZoom: CLUSTER_MAX_ZOOM }

/**
 * Cameras on a Leaflet map, clustered with supercluster when dense. The index holds positions
 * only and is rebuilt when cameras come, go or move; statuses are read at render time, so a
 * status change costs a re-render of what is in view, not a re-index. Markers are kept per
 * cluster or camera and their icon replaced only when it changed, so nothing flickers.
 */
export class ClusterLayer {
  private index = new Supercluster<{ id: string }, Record<string, never>>(CLUSTER_OPTIONS)
  private readonly shown = new Map<string, Shown>()
  /** Camera ids per cluster of the current index: read once, then counted at every render. */
  private readonly leaves = new Map<number, string[]>()
  private points: readonly MapPoint[] = []
  private readonly layer = L.layerGroup()

  constructor(
    private readonly map: L.Map,
    private readonly o: ClusterLayerOptions,
  ) {
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
        this.place(key, lat, lon, clusterIcon(counts, props.point_count, scale), () => this.openCluster(props.cluster_id, lat, lon))
      } else {
        const id = (props as { id: string }).id
        const key = `p:${id}`
        seen.add(key)
        const status = this.o.statusOf(id) ?? 'unknown'
        this.place(key, lat, lon, cameraIcon(id, status, scale), () => this.o.onCamera(id), this.o.nameOf(id))
      }
    }
    for (const [key, s] of this.shown) {
      if (seen.has(key)) continue
      this.layer.removeLayer(s.marker)
      this.shown.delete(key)
    }
  }

  /** Frames the given area; on a single spot, a close but not maximal zoom. */
  fit(bounds: L.LatLngBounds): void {
    this.map.fitBounds(bounds, { padding: [36, 36], maxZoom: 16, animate: false })
  }

  remove(): void {
    this.map.off('moveend', this.render, this)
    this.layer.remove()
    this.shown.clear()
  }

  private place(key: string, lat: number, lon: number, icon: { html: string; size: number }, onClick: () => void, tooltip?: string): void {
    const existing = this.shown.get(key)
    if (existing) {
      if (existing.html !== icon.html) {
        existing.marker.setIcon(divIcon(icon))
        existing.html = icon.html
      }
      existing.marker.setLatLng([lat, lon])
      return
    }
    const marker = new FlatMarker([lat, lon], { icon: divIcon(icon), keyboard: true, riseOnHover: true })
    marker.on('click', onClick)
    if (tooltip !== undefined) marker.bindTooltip(tooltip, { direction: 'top', offset: [0, -8] })
    marker.addTo(this.layer)
    this.shown.set(key, { marker, html: icon.html })
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

/**
 * A marker placed by left/top rather than Leaflet's translate3d: a 3D transform makes each of
 * hundreds of markers a layer of its own, and every frame that changes anything on the page then
 * pays for committing them all to the compositor (in software, without a GPU, most of the cost of
 * a frame). During a zoom animation such markers move at its end rather than gliding.
 */
const FlatMarker: new (latlng: L.LatLngExpression, options?: L.MarkerOptions) => L.Marker = L.Marker.extend({
  _setPos(this: L.Marker & { _icon: HTMLElement & { _leaflet_pos?: L.Point }; _zIndex: number; _resetZIndex(): void }, pos: L.Point) {
    const icon = this._icon
    icon._leaflet_pos = pos
    icon.style.left = `${pos.x}px`
    icon.style.top = `${pos.y}px`
    this._zIndex = pos.y + (this.options.zIndexOffset ?? 0)
    this._resetZIndex()
  },
})

function divIcon(icon: { html: string; size: number }): L.DivIcon {
  return L.divIcon({ html: icon.html, className: 'marker-host', iconSize: [icon.size, icon.size], iconAnchor: [icon.size / 2, icon.size / 2] })
}
