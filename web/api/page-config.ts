/** Settings the server writes into the page (`#camtel-config`), read once. */
export interface PageConfig {
  /** A tile server under the map, `{z}/{x}/{y}`; null: the bundled country outlines. */
  tileUrl: string | null
  tileAttribution: string | null
  /** Whether the server makes work orders (CAMTEL_WORKORDER_URL is set); true where it says nothing (Vite's dev server). */
  workOrders: boolean
}

let cached: PageConfig | undefined

/**
 * CAMTEL_TILE_URL and CAMTEL_TILE_ATTRIBUTION as `camtel serve` was started with them; where the
 * server says nothing (Vite's dev server), the build-time CAMTEL_MAP_TILES and
 * CAMTEL_MAP_ATTRIBUTION stand in.
 */
export function pageConfig(): PageConfig {
  if (cached) return cached
  let served: Partial<PageConfig> = {}
  const el = typeof document === 'undefined' ? null : document.getElementById('camtel-config')
  if (el?.textContent) {
    try {
      served = JSON.parse(el.textContent) as Partial<PageConfig>
    } catch {
      served = {}
    }
  }
  const tileUrl = served.tileUrl ?? import.meta.env.CAMTEL_MAP_TILES ?? null
  const tileAttribution = served.tileAttribution ?? (served.tileUrl ? null : (import.meta.env.CAMTEL_MAP_ATTRIBUTION ?? null))
  cached = { tileUrl: tileUrl || null, tileAttribution: tileAttribution || null, workOrders: served.workOrders ?? true }
  return cached
}
