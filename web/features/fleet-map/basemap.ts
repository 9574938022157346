import * as L from 'leaflet'
import type { Geometry } from 'geojson'
import type { GeometryCollection, Topology } from 'topojson-specification'
import { feature } from 'topojson-client'
import coarseUrl from 'world-atlas/countries-110m.json?url'
import fineUrl from 'world-atlas/countries-50m.json?url'
import { pageConfig } from '../../api/page-config.js'

/** Above this zoom the 1:50m outlines replace the 1:110m ones (which load first, being 7x smaller). */
const FINE_FROM_ZOOM = 4

// Drawn on the map's canvas renderer (preferCanvas): a few thousand polygons as one bitmap.
const STYLE: L.PathOptions = { color: '#2c3b4c', weight: 0.8, fillColor: '#151e28', fillOpacity: 1, interactive: false }

/**
 * The map's background without any tile server: country outlines from Natural Earth (the
 * `world-atlas` package), bundled and served by camtel itself. Where a site has a tile server,
 * CAMTEL_TILE_URL (run time, or CAMTEL_MAP_TILES at build time) puts its tiles there instead
 * (docs/dashboard.md).
 */
export function addBasemap(map: L.Map): () => void {
  const { tileUrl, tileAttribution } = pageConfig()
  if (tileUrl) {
    const layer = L.tileLayer(tileUrl, { attribution: tileAttribution ?? '', maxZoom: 19 }).addTo(map)
    return () => void layer.remove()
  }
  map.attributionControl.addAttribution('Outlines: Natural Earth')
  let current: L.GeoJSON | undefined
  let fine = false
  let stopped = false
  const show = async (url: string) => {
    const topology = (await (await fetch(url)).json()) as Topology<{ countries: GeometryCollection }>
    // The coarse outlines may arrive after the fine ones: the fine ones stay.
    if (stopped || (fine && url !== fineUrl)) return
    const countries = feature(topology, topology.objects.countries)
    for (const f of countries.features) unwrapAntimeridian(f.geometry)
    const layer = L.geoJSON(countries, { style: STYLE })
    current?.remove()
    current = layer.addTo(map)
    current.bringToBack()
  }
  const onZoom = () => {
    if (fine || map.getZoom() < FINE_FROM_ZOOM) return
    fine = true
    void show(fineUrl)
  }
  void show(coarseUrl).then(onZoom)
  map.on('zoomend', onZoom)
  return () => {
    stopped = true
    map.off('zoomend', onZoom)
    current?.remove()
  }
}

/**
 * Rings that cross the antimeridian (Fiji, the east tip of Russia) hold points at both -180 and
 * 180, and a flat map would join them with a band across the whole world. Moving their western
 * points by 360 degrees keeps each island in one piece. Antarctica, which circles the pole, is
 * left alone: it spans every longitude on purpose.
 */
function unwrapAntimeridian(g: Geometry): void {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
  for (const polygon of polygons) {
    for (const ring of polygon) {
      let minLon = Infinity
      let maxLon = -Infinity
      let minLat = Infinity
      for (const [lon, lat] of ring as Array<[number, number]>) {
        minLon = Math.min(minLon, lon)
        maxLon = Math.max(maxLon, lon)
        minLat = Math.min(minLat, lat)
      }
      if (maxLon - minLon <= 180 || minLat < -60) continue
      for (const point of ring) if ((point[0] as number) < 0) point[0] = (point[0] as number) + 360
    }
  }
}
