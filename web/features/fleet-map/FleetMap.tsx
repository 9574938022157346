import 'leaflet/dist/leaflet.css'
import './map.css'
import * as L from 'leaflet'
import { useEffect, useRef, useState } from 'preact/hooks'
import { Keys } from '../../api/fleet-state.js'
import { onStoreKeyAtTicks, useLiveStore, useStoreKey } from '../../api/store-context.js'
import { navigate, paths } from '../../app/router.js'
import { addBasemap } from './basemap.js'
import { ClusterLayer, type DrawnMarker } from './cluster-layer.js'
import { mapPoints } from './positions.js'

/** Marker colours follow statuses at most this often: calm under thousands of events a second. */
const REDRAW_MS = 250

/**
 * The map's host element answers what its canvas shows: tests and the benchmark read markers there
 * (`document.querySelector('[data-testid="fleet-map"]').camtelMarkers()`), having no element per marker.
 */
export interface FleetMapHost extends HTMLDivElement {
  camtelMarkers?: () => DrawnMarker[]
}

interface Props {
  /** Only this site's cameras (the site view). */
  siteId?: string
}

/** Cameras on a map, coloured by health status and clustered when dense. */
export function FleetMap({ siteId }: Props) {
  const store = useLiveStore()
  const host = useRef<HTMLDivElement>(null)
  const layer = useRef<ClusterLayer>()
  const fitted = useRef(false)
  const [empty, setEmpty] = useState(false)
  const registry = useStoreKey(Keys.registry)

  useEffect(() => {
    const el = host.current as FleetMapHost | null
    if (!el) return
    const map = L.map(el, { worldCopyJump: true, minZoom: 2, maxZoom: 18, zoomSnap: 0.5, preferCanvas: true, attributionControl: true })
    map.attributionControl.setPrefix(false)
    map.setView([30, 10], 2)
    const removeBasemap = addBasemap(map)
    layer.current = new ClusterLayer(map, {
      statusOf: (id) => store.fleet.cameras.get(id)?.status,
      nameOf: (id) => store.fleet.cameras.get(id)?.name ?? id,
      onCamera: (id) => navigate(paths.camera(id)),
      onStack: (ids) => {
        const first = store.fleet.cameras.get(ids[0] ?? '')
        if (ids.length === 1 && first) navigate(paths.camera(first.id))
        else if (first) navigate(paths.site(first.siteId))
      },
    })
    el.camtelMarkers = () => layer.current?.drawn() ?? []
    // Statuses: redrawn on the clock's ticks with the other views that follow the store, straight
    // from the store rather than through a render of this component and an effect after its frame.
    const off = onStoreKeyAtTicks(store, Keys.cameras, REDRAW_MS, () => layer.current?.render())
    // The panel may change size (window, layout): Leaflet must be told.
    const resize = new ResizeObserver(() => map.invalidateSize({ pan: false }))
    resize.observe(el)
    return () => {
      off()
      delete el.camtelMarkers
      resize.disconnect()
      layer.current?.remove()
      layer.current = undefined
      removeBasemap()
      map.remove()
      fitted.current = false
    }
  }, [store])

  // Which cameras are where: re-index, and frame them the first time only (never jump later).
  useEffect(() => {
    const l = layer.current
    if (!l || !store.ready) return
    const points = mapPoints(store.fleet.cameras.values(), store.fleet.sites, siteId)
    l.setPoints(points)
    setEmpty(points.length === 0)
    if (!fitted.current && points.length > 0) {
      fitted.current = true
      const bounds = L.latLngBounds(points.map((p) => [p.lat, p.lon] as [number, number]))
      l.fit(bounds)
    }
  }, [store, registry, siteId])

  return (
    <div class="fleet-map">
      <div ref={host} class="map-host" data-testid="fleet-map" />
      {empty && <p class="map-empty">No camera or site here has a position yet (lat, lon in the registry).</p>}
    </div>
  )
}
